package dev.gatehouse.broker.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code serve} needs that {@code dev} makes up: dev mode embeds PostgreSQL and Temporal, generates a
 * payload key, runs its own token issuer and answers on localhost. {@code serve} makes up none of these, so
 * a configuration that leans on one is refused at start-up with the key to set instead (the payload key is
 * required of every file that names a Temporal cluster, by {@link ConfigLoader}).
 */
public final class ServeModeCheck implements ConfigCheck {

    /** Where dev mode serves its issuer, under the broker's own URL. */
    private static final String DEV_ISSUER_PATH = "/dev";

    @Override
    public List<ConfigProblem> check(GatehouseConfig config, Locator at) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (config.storage() == null) {
            problems.add(at.problem("storage", "serve needs storage.postgres (dev mode is the one that embeds PostgreSQL)"));
        }
        if (config.temporal() == null) {
            problems.add(at.problem("temporal", "serve needs temporal.target, namespace and payloadKey"
                    + " (dev mode is the one that embeds Temporal and generates a payload key)"));
        }
        if (config.server().publicUrl() == null) {
            problems.add(at.problem("server.publicUrl", "serve needs the URL callers reach the broker at: token audiences,"
                    + " the protected-resource metadata and the links in Slack, e-mail and the web UI are built from it"
                    + " (dev mode assumes http://localhost)"));
        }
        List<IssuerSettings> issuers = config.identity().issuers();
        if (issuers.isEmpty()) {
            problems.add(at.problem("identity.issuers", "serve needs at least one trusted token issuer, your OIDC provider"
                    + " (dev mode adds its own dev issuer, which serve never runs)"));
        }
        if (config.server().publicUrl() != null) {
            String devIssuer = config.server().publicUrl().base() + DEV_ISSUER_PATH;
            for (int i = 0; i < issuers.size(); i++) {
                if (issuers.get(i).issuer().base().equals(devIssuer)) {
                    problems.add(at.problem("identity.issuers[" + i + "].issuer", "is the dev issuer's address (" + devIssuer
                            + "), which only dev mode serves: name your OIDC provider's issuer instead"));
                }
            }
        }
        if (config.agent() != null) {
            problems.add(at.problem("agent", "is read by gatehouse agent only; a broker reaches agents through"
                    + " upstreams[].agent.taskQueue"));
        }
        return problems;
    }
}
