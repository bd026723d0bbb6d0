package dev.gatehouse.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.config.ConfigException;
import dev.gatehouse.broker.config.ConfigLoader;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.agent.Agent;
import dev.gatehouse.broker.config.AgentModeCheck;
import dev.gatehouse.broker.config.ServeModeCheck;
import dev.gatehouse.broker.dev.DemoUpstream;
import dev.gatehouse.broker.dev.DevStack;
import dev.gatehouse.broker.policy.Decision;
import dev.gatehouse.broker.policy.PolicyConfigCheck;
import dev.gatehouse.broker.recording.MaskingConfig;
import dev.gatehouse.broker.policy.PolicyInput;
import dev.gatehouse.broker.policy.PolicySet;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** The {@code gatehouse} command: {@code dev}, {@code serve}, {@code check-config}, {@code explain}, {@code verify}, {@code replay}. */
public final class Gatehouse {

    private Gatehouse() {
    }

    /** The log formats logback.xml has an appender for; any other value would silence every log line. */
    private static final List<String> LOG_FORMATS = List.of("text", "json");

    public static void main(String[] args) {
        String format = System.getenv("GATEHOUSE_LOG_FORMAT");
        if (format != null && !format.isEmpty() && !LOG_FORMATS.contains(format)) {
            System.err.println("gatehouse: GATEHOUSE_LOG_FORMAT must be one of " + LOG_FORMATS + ", not '" + format + "'");
            System.exit(2);
        }
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        CommandLine command;
        try {
            command = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("gatehouse: " + e.getMessage());
            err.print(CommandLine.USAGE);
            return 2;
        }
        ConfigLoader loader = ConfigLoader.withSystemEnvironment().withCheck(new PolicyConfigCheck()).withCheck(new MaskingConfig());
        try {
            return switch (command) {
                case CommandLine.Help h -> {
                    out.print(CommandLine.USAGE);
                    yield 0;
                }
                case CommandLine.CheckConfig c -> {
                    (c.serve() ? loader.withCheck(new ServeModeCheck()) : loader).load(c.config());
                    out.println(c.config() + ": OK" + (c.serve() ? " for serve" : ""));
                    yield 0;
                }
                case CommandLine.Explain x -> explain(x, loader, out, err);
                case CommandLine.Dev d -> dev(d, loader, out);
                case CommandLine.Serve s -> serve(s, loader, out);
                case CommandLine.DemoUpstream d -> demoUpstream(d, out);
                case CommandLine.Agent a -> agent(a, loader, out);
                case CommandLine.Verify v -> AuditCommands.verify(v, loader, System::getenv, out, err);
                case CommandLine.Replay r -> AuditCommands.replay(r, loader, System::getenv, out, err);
            };
        } catch (ConfigException e) {
            e.problems().forEach(p -> err.println(p));
            return 1;
        } catch (RuntimeException e) {
            // Start-up failures (a database that cannot be reached, a port in use) end the command with their cause.
            err.println("gatehouse: cannot start: " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""));
            return 1;
        }
    }

    private static int explain(CommandLine.Explain command, ConfigLoader loader, PrintStream out, PrintStream err) {
        GatehouseConfig config = loader.load(command.config());
        Map<String, Object> args;
        try {
            args = new ObjectMapper().readValue(command.args(), new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            err.println("gatehouse: --args must be a JSON object: " + e.getOriginalMessage());
            return 2;
        }
        PolicySet policies = PolicySet.compile(config.policies());
        // The claims a token for this caller would carry, so conditions on caller.claims see the same.
        Map<String, Object> claims = new java.util.LinkedHashMap<>();
        claims.put("sub", command.sub());
        claims.put("groups", command.groups());
        if (!command.email().isEmpty()) {
            claims.put("email", command.email());
            claims.put("email_verified", true);
        }
        if (!command.scopes().isEmpty()) {
            claims.put("scope", String.join(" ", command.scopes()));
        }
        PolicyInput input = new PolicyInput(new PolicyInput.Caller(command.sub(), command.email(), command.groups(), claims),
                command.upstream(), command.tool(), args);
        out.println("policy " + policies.version() + " (" + policies.size() + " rules) from " + command.config());
        out.println("call: sub=" + command.sub() + " groups=" + command.groups() + " upstream=" + command.upstream()
                + " tool=" + command.tool() + " args=" + command.args());
        policies.explain(input).forEach(line -> out.println("  " + line));
        Decision decision = policies.decide(input);
        out.println("decision: " + switch (decision) {
            case Decision.Allow a -> "allow by '" + a.rule() + "'" + a.mask().map(m -> " (mask " + m + ")").orElse("");
            case Decision.Deny d -> "deny by '" + d.rule() + "': " + d.reason();
            case Decision.Approve a -> "approve by '" + a.rule() + "': " + a.approval().required() + " of "
                    + a.approval().approvers() + " within " + a.approval().timeout();
            case Decision.InsufficientScope s -> "403 insufficient_scope by '" + s.rule() + "': needs " + s.required();
        });
        if (config.upstream(command.upstream()).isEmpty()) {
            out.println("note: upstream '" + command.upstream() + "' is not configured in " + command.config());
        }
        return 0;
    }

    private static int dev(CommandLine.Dev command, ConfigLoader loader, PrintStream out) {
        long started = System.nanoTime();
        DevStack.Options options = new DevStack.Options(command.host(), command.port(), command.temporalPort(), command.config(),
                command.externalTemporal(), command.agent());
        DevStack stack = DevStack.start(options, loader);
        double seconds = (System.nanoTime() - started) / 1e9;
        String token = stack.issuer().issue("dev-agent", List.of("agents"), Optional.of("dev-agent@example.com"));
        String base = stack.brokerUrl().toString();
        out.printf("Gatehouse dev stack is ready (%.1f s)%n", seconds);
        out.println("  Web UI:            " + base + "/ui/   (sign in as an approver, auditor or admin on the dev issuer's page)");
        out.println("  MCP endpoint:      " + base + "/mcp/<upstream>" + (command.config().isEmpty() ? "   e.g. " + base + "/mcp/demo" : ""));
        out.println("  Demo upstream:     " + stack.demoUpstreamUrl() + "   (direct, no broker)");
        if (command.agent()) {
            out.println("  Agent:             in-process, task queue " + DevStack.DEMO_AGENT_QUEUE
                    + "   (the broker reaches the demo upstream through it only)");
        }
        out.println("  Dev tokens:        curl -s -X POST " + base + "/dev/token -d sub=alice -d groups=agents,dba -d email=alice@example.com");
        out.println("  Temporal:          " + stack.temporalTarget() + (command.externalTemporal().isPresent()
                ? "   (external, namespace default)" : "   (embedded, namespace default)"));
        out.println("  PostgreSQL:        " + stack.jdbcUrl() + "   (embedded)");
        stack.caughtMailPage().ifPresent(page -> out.println("  Caught mail:       " + page
                + "   (approval e-mails with their decision links)"));
        out.println("  Payload key:       " + stack.payloadKey() + "   (generated for this run; Temporal payloads are encrypted with it)");
        out.println("  Dev token (sub=dev-agent, groups=agents, valid 8 h):");
        out.println("    " + token);
        out.println("  Note: dev mode is not durable; sessions, records and pending approvals are lost on exit.");
        out.flush();
        awaitShutdown(stack, out);
        return 0;
    }

    private static int serve(CommandLine.Serve command, ConfigLoader loader, PrintStream out) {
        ConfigLoader serveLoader = loader.withCheck(new ServeModeCheck());
        GatehouseConfig config = serveLoader.load(command.config());
        if (config.ui().login() == null) {
            out.println("note: no ui.login in " + command.config() + ": the web UI offers no sign-in (the API still takes bearer tokens)");
        }
        Broker broker = Broker.start(config, Optional.empty(), false);
        broker.watchPolicies(command.config(), serveLoader, config);
        out.println("Gatehouse is ready on " + broker.publicUrl() + " (port " + broker.port() + ")");
        out.flush();
        awaitShutdown(broker, out);
        return 0;
    }

    private static int agent(CommandLine.Agent command, ConfigLoader loader, PrintStream out) {
        GatehouseConfig config = loader.withCheck(new AgentModeCheck()).load(command.config());
        Agent agent = Agent.start(config);
        out.println("Gatehouse agent is ready: task queue " + agent.taskQueue() + " on " + config.temporal().target()
                + ", upstreams " + agent.upstreams());
        out.flush();
        awaitShutdown(agent, out);
        return 0;
    }

    private static int demoUpstream(CommandLine.DemoUpstream command, PrintStream out) {
        DemoUpstream upstream = DemoUpstream.start(command.host(), command.port());
        out.println("Demo upstream is ready on " + upstream.url() + " (listening on " + command.host() + ")");
        out.flush();
        awaitShutdown(upstream, out);
        return 0;
    }

    /** Blocks until SIGTERM or Ctrl-C, then stops everything in order before the JVM exits. */
    private static void awaitShutdown(AutoCloseable stack, PrintStream out) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Gatehouse is stopping...");
            try {
                stack.close();
            } catch (Exception e) {
                out.println("Gatehouse did not stop cleanly: " + e);
            }
            out.println("Gatehouse stopped.");
            out.flush();
            stopped.countDown();
        }, "gatehouse-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
