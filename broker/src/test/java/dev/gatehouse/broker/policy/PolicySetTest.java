package dev.gatehouse.broker.policy;

import dev.gatehouse.broker.config.ConfigException;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.ConfigProblem;
import dev.gatehouse.broker.config.GatehouseConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PolicySetTest {

    private static final ConfigLoader LOADER = new ConfigLoader(Map.<String, String>of()::get).withCheck(new PolicyConfigCheck());

    private static final String POLICIES = """
            upstreams:
              - { name: crm, url: "https://crm.internal/mcp" }
              - { name: billing, url: "https://billing.internal/mcp" }
            approvers:
              dba: { members: [dba@example.com] }
            policies:
              - name: reads flow freely
                upstream: crm
                tools: ["get_*", "list_*", "search_*"]
                groups: [agents]
                action: allow
                mask: default
              - name: deleting customers needs a DBA
                upstream: crm
                tools: ["delete_*"]
                when: "has(args.table) && args.table == 'customers'"
                action: approve
                approval: { approvers: [dba] }
              - name: big refunds are never automatic
                upstream: billing
                tools: ["refund"]
                when: "args.order.amount > 1000 || caller.email.endsWith('@contractor.example')"
                action: deny
                reason: refunds over 1000 need a human in the billing console
              - name: billing agents refund
                upstream: billing
                tools: ["refund"]
                groups: [billing]
                action: allow
              - name: everything else
                action: deny
                reason: no policy allows this call
            """;

    private static final PolicySet POLICY = PolicySet.compile(LOADER.parse("gatehouse.yaml", POLICIES, Path.of(".")).policies());

    private static PolicyInput call(String sub, String groups, String upstream, String tool, Map<String, Object> args) {
        List<String> groupList = groups == null || groups.isBlank() ? List.of() : Arrays.asList(groups.trim().split(" +"));
        return new PolicyInput(new PolicyInput.Caller(sub, sub + "@example.com", groupList, Map.of("sub", sub)), upstream, tool, args);
    }

    @ParameterizedTest(name = "{0} in [{1}] calling {2}/{3} -> {4} by ''{5}''")
    @CsvSource(delimiter = '|', textBlock = """
            ci-bot  | agents         | crm     | get_customer    | Allow   | reads flow freely
            ci-bot  | agents         | crm     | search_orders   | Allow   | reads flow freely
            ci-bot  | agents         | billing | get_invoice     | Deny    | everything else
            ci-bot  |                | crm     | get_customer    | Deny    | everything else
            ci-bot  | agents         | crm     | update_customer | Deny    | everything else
            ci-bot  | agents billing | billing | refund          | Allow   | billing agents refund
            """)
    void decidesByUpstreamToolGlobAndGroup(String sub, String groups, String upstream, String tool, String kind, String rule) {
        Decision decision = POLICY.decide(call(sub, groups, upstream, tool, Map.of("order", Map.of("amount", 10))));
        assertThat(decision.getClass().getSimpleName()).isEqualTo(kind);
        assertThat(decision.rule()).isEqualTo(rule);
        assertThat(decision.policyVersion()).hasSize(16).isEqualTo(POLICY.version());
    }

    @Test
    void evaluatesCelOnNestedArgumentsAndCallerClaims() {
        Decision big = POLICY.decide(call("ann", "billing", "billing", "refund", Map.of("order", Map.of("amount", 5000))));
        assertThat(big).isInstanceOf(Decision.Deny.class);
        assertThat(((Decision.Deny) big).reason()).isEqualTo("refunds over 1000 need a human in the billing console");

        Decision small = POLICY.decide(call("ann", "billing", "billing", "refund", Map.of("order", Map.of("amount", 50))));
        assertThat(small).isInstanceOf(Decision.Allow.class);

        PolicyInput contractor = new PolicyInput(new PolicyInput.Caller("bob", "bob@contractor.example", List.of("billing"), Map.of()),
                "billing", "refund", Map.of("order", Map.of("amount", 1)));
        assertThat(POLICY.decide(contractor).rule()).isEqualTo("big refunds are never automatic");
    }

    @Test
    void approvesOnlyWhenTheConditionHolds() {
        Decision customers = POLICY.decide(call("a", "agents", "crm", "delete_customer", Map.of("table", "customers")));
        assertThat(customers).isInstanceOf(Decision.Approve.class);
        assertThat(((Decision.Approve) customers).approval().approvers()).containsExactly("dba");

        assertThat(POLICY.decide(call("a", "agents", "crm", "delete_customer", Map.of("table", "logs"))).rule())
                .isEqualTo("everything else");
    }

    @Test
    void aConditionThatCannotBeEvaluatedDenies() {
        // args.order is missing: CEL reports "no such key", and the rule denies rather than being skipped.
        Decision decision = POLICY.decide(call("a", "billing", "billing", "refund", Map.of()));
        assertThat(decision).isInstanceOf(Decision.Deny.class);
        assertThat(decision.rule()).isEqualTo("big refunds are never automatic");
        assertThat(((Decision.Deny) decision).reason()).contains("could not evaluate its condition").contains("has()");
    }

    @Test
    void governsResourcesAndPromptsOnlyOnceARuleNamesThem() {
        PolicySet toolsOnly = POLICY;
        assertThat(toolsOnly.governs(PolicyInput.Target.TOOL)).isTrue();
        assertThat(toolsOnly.governs(PolicyInput.Target.RESOURCE)).isFalse();

        PolicySet withResources = PolicySet.compile(LOADER.parse("g.yaml", """
                policies:
                  - name: reports are for analysts
                    resources: ["reports://*"]
                    groups: [analysts]
                    action: allow
                  - name: prompts are for everyone
                    prompts: ["*"]
                    action: allow
                """, Path.of(".")).policies());
        PolicyInput.Caller analyst = new PolicyInput.Caller("an", "", List.of("analysts"), Map.of());
        PolicyInput.Caller agent = new PolicyInput.Caller("ag", "", List.of("agents"), Map.of());
        assertThat(withResources.decide(new PolicyInput(analyst, "crm", PolicyInput.Target.RESOURCE, "reports://q3", Map.of())))
                .isInstanceOf(Decision.Allow.class);
        assertThat(withResources.decide(new PolicyInput(agent, "crm", PolicyInput.Target.RESOURCE, "reports://q3", Map.of())).rule())
                .isEqualTo(Decision.DEFAULT_DENY);
        assertThat(withResources.decide(new PolicyInput(agent, "crm", PolicyInput.Target.PROMPT, "summarise", Map.of())))
                .isInstanceOf(Decision.Allow.class);
        // A rule naming only resources or prompts says nothing about tools.
        assertThat(withResources.decide(call("ag", "agents", "crm", "get_customer", Map.of())).rule()).isEqualTo(Decision.DEFAULT_DENY);
    }

    @Test
    void deniesNumbersItCannotCompareExactlyInsteadOfTruncatingThem() {
        PolicySet limits = PolicySet.compile(LOADER.parse("g.yaml", """
                policies:
                  - name: small pages only
                    when: "has(args.limit) && args.limit <= 10"
                    action: allow
                """, Path.of(".")).policies());
        assertThat(limits.decide(call("a", "", "crm", "list", Map.of("limit", 5)))).isInstanceOf(Decision.Allow.class);
        assertThat(limits.decide(call("a", "", "crm", "list", Map.of("limit", 9.5)))).isInstanceOf(Decision.Allow.class);
        assertThat(limits.decide(call("a", "", "crm", "list", Map.of("limit", 50)))).isInstanceOf(Decision.Deny.class);
        // 2^64 + 5 would truncate to 5; it must be refused, not allowed.
        Decision huge = limits.decide(call("a", "", "crm", "list", Map.of("limit", new java.math.BigInteger("18446744073709551621"))));
        assertThat(huge).isInstanceOf(Decision.Deny.class);
        assertThat(((Decision.Deny) huge).reason()).contains("outside the range policies can compare");
    }

    @Test
    void treatsGlobCharactersOtherThanStarAndQuestionMarkLiterally() {
        PolicySet dotted = PolicySet.compile(LOADER.parse("g.yaml", """
                policies:
                  - name: exactly a.b
                    tools: ["a.b", "c?d", "e*"]
                    action: allow
                """, Path.of(".")).policies());
        assertThat(dotted.decide(call("a", "", "u", "a.b", Map.of()))).isInstanceOf(Decision.Allow.class);
        assertThat(dotted.decide(call("a", "", "u", "axb", Map.of()))).isInstanceOf(Decision.Deny.class);
        assertThat(dotted.decide(call("a", "", "u", "cxd", Map.of()))).isInstanceOf(Decision.Allow.class);
        assertThat(dotted.decide(call("a", "", "u", "cxxd", Map.of()))).isInstanceOf(Decision.Deny.class);
        assertThat(dotted.decide(call("a", "", "u", "everything", Map.of()))).isInstanceOf(Decision.Allow.class);
    }

    @Test
    void conditionsCanTellIssuersApartThroughTheTokensClaims() {
        PolicySet byIssuer = PolicySet.compile(LOADER.parse("g.yaml", """
                policies:
                  - name: only our own IdP's admins
                    groups: [admins]
                    when: "caller.claims.iss == 'https://idp.example.com' && caller.claims.exp > 0"
                    action: allow
                """, Path.of(".")).policies());
        java.util.Date expiry = new java.util.Date();
        PolicyInput.Caller ours = new PolicyInput.Caller("a", "", List.of("admins"),
                Map.of("iss", "https://idp.example.com", "exp", expiry));
        PolicyInput.Caller theirs = new PolicyInput.Caller("a", "", List.of("admins"),
                Map.of("iss", "https://accounts.google.com", "exp", expiry));
        assertThat(byIssuer.decide(new PolicyInput(ours, "crm", "reset", Map.of()))).isInstanceOf(Decision.Allow.class);
        assertThat(byIssuer.decide(new PolicyInput(theirs, "crm", "reset", Map.of()))).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void deniesByDefaultWhenNoRuleMatches() {
        PolicySet empty = PolicySet.compile(List.of());
        Decision decision = empty.decide(call("a", "agents", "crm", "get_customer", Map.of()));
        assertThat(decision.rule()).isEqualTo(Decision.DEFAULT_DENY);
        assertThat(((Decision.Deny) decision).reason()).isEqualTo("no policy allows this call");
    }

    @Test
    void listsOnlyToolsTheCallerCouldEverUse() {
        PolicyInput.Caller agent = new PolicyInput.Caller("a", "a@example.com", List.of("agents"), Map.of());
        assertThat(POLICY.mayEverPermit(agent, "crm", "get_customer")).isTrue();
        assertThat(POLICY.mayEverPermit(agent, "crm", "delete_customer")).as("approvable for some arguments").isTrue();
        assertThat(POLICY.mayEverPermit(agent, "crm", "drop_database")).isFalse();
        PolicyInput.Caller billing = new PolicyInput.Caller("b", "b@example.com", List.of("billing"), Map.of());
        assertThat(POLICY.mayEverPermit(billing, "billing", "refund")).as("denied only for some arguments").isTrue();
        assertThat(POLICY.mayEverPermit(agent, "billing", "refund")).isFalse();
    }

    @Test
    void offersAsTasksOnlyToolsThatMayBeHeldForApproval() {
        PolicyInput.Caller agent = new PolicyInput.Caller("a", "a@example.com", List.of("agents"), Map.of());
        assertThat(POLICY.mayRequireApproval(agent, "crm", PolicyInput.Target.TOOL, "delete_customer"))
                .as("approval needed for some arguments").isTrue();
        assertThat(POLICY.mayRequireApproval(agent, "crm", PolicyInput.Target.TOOL, "get_customer")).as("allowed first").isFalse();
        assertThat(POLICY.mayRequireApproval(agent, "billing", PolicyInput.Target.TOOL, "delete_customer"))
                .as("the approve rule names crm").isFalse();
    }

    @Test
    void explainsWhichRuleMatchesAndWhy() {
        List<String> lines = POLICY.explain(call("a", "agents", "crm", "delete_customer", Map.of("table", "logs")));
        assertThat(lines).containsExactly(
                "1. 'reads flow freely' (allow): no match: tool 'delete_customer' matches none of [get_*, list_*, search_*]",
                "2. 'deleting customers needs a DBA' (approve): no match: when `has(args.table) && args.table == 'customers'` is false",
                "3. 'big refunds are never automatic' (deny): no match: upstream is 'crm', rule wants 'billing'",
                "4. 'billing agents refund' (allow): no match: upstream is 'crm', rule wants 'billing'",
                "5. 'everything else' (deny): MATCHES");
    }

    @Test
    void theVersionChangesWithTheRules() {
        GatehouseConfig changed = LOADER.parse("gatehouse.yaml", POLICIES.replace("1000", "2000"), Path.of("."));
        assertThat(PolicySet.compile(changed.policies()).version()).isNotEqualTo(POLICY.version());
        assertThat(PolicySet.compile(LOADER.parse("g.yaml", POLICIES, Path.of(".")).policies()).version()).isEqualTo(POLICY.version());
    }

    @Test
    void refusesAnInvalidCelExpressionWithItsLineAndCelsMessage() {
        try {
            LOADER.parse("gatehouse.yaml", """
                    policies:
                      - name: typo
                        when: "args.table = 'customers'"
                        action: allow
                      - name: not boolean
                        when: "tool + '!'"
                        action: allow
                    """, Path.of("."));
            throw new AssertionError("expected a ConfigException");
        } catch (ConfigException e) {
            assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("policies[0].when", "policies[1].when");
            assertThat(e.problems()).extracting(ConfigProblem::line).containsExactly(3, 6);
            assertThat(e.problems().get(0).message()).startsWith("invalid CEL expression: ERROR:");
            assertThat(e.problems().get(1).message()).contains("bool");
        }
    }
}
