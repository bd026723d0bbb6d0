package dev.gatehouse.broker;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The parsed command line; each command is a value, so {@link Gatehouse} switches over a closed set. */
sealed interface CommandLine {

    /** @param agent reach the demo upstream through an in-process agent (agent mode, on one machine) */
    record Dev(String host, int port, int temporalPort, Optional<Path> config, Optional<String> externalTemporal, boolean agent)
            implements CommandLine {
    }

    record Serve(Path config) implements CommandLine {
    }

    /** An agent beside MCP servers the brokers cannot reach: it polls Temporal for the messages they relay. */
    record Agent(Path config) implements CommandLine {
    }

    /** The dev stack's demo MCP server on its own, for a container of its own (docker-compose.yml). */
    record DemoUpstream(String host, int port) implements CommandLine {
    }

    /** @param serve also check what {@code serve} needs (dev mode fills those in itself) */
    record CheckConfig(Path config, boolean serve) implements CommandLine {
    }

    record Help() implements CommandLine {
    }

    /** Which rule decides a call, and why: for operators debugging a policy. */
    record Explain(Path config, String sub, String email, List<String> groups, List<String> scopes, String upstream,
                   String tool, String args) implements CommandLine {
    }

    /** Where the audit store is: the config file's {@code storage.postgres}, or a JDBC URL given directly. */
    record DatabaseTarget(Optional<Path> config, Optional<String> jdbcUrl, Optional<String> user) {
    }

    /** Re-check hash chains: every session, or one. */
    record Verify(DatabaseTarget target, Optional<String> session) implements CommandLine {
    }

    /** Print one recorded session as a timeline. */
    record Replay(String session, DatabaseTarget target) implements CommandLine {
    }

    String USAGE = """
            usage: gatehouse <command> [options]

              dev [--port N] [--config FILE] [--host ADDR] [--temporal-port N | --temporal HOST:PORT] [--agent]
                    start the whole dev stack in one process (embedded PostgreSQL and Temporal,
                    a demo upstream, the dev token issuer and the broker); port 0 picks a free port;
                    --agent reaches the demo upstream through an in-process agent (agent mode)
              serve --config FILE
                    run the broker against the PostgreSQL and Temporal named in FILE
              agent --config FILE
                    run an agent beside MCP servers the brokers have no route to: it connects out to
                    Temporal only and carries what brokers relay to the upstreams in FILE
              demo-upstream [--host ADDR] [--port N]
                    run only the demo MCP server (default 127.0.0.1:8090), e.g. beside a serve broker
              check-config FILE [--serve]
                    validate FILE and print every problem with its line; exit 1 if there are any;
                    --serve also checks what serve needs and dev mode would fill in
              explain --config FILE --sub S [--email E] [--groups g1,g2] [--scopes s1,s2] --upstream U --tool T [--args JSON]
                    print which policy rule decides that call and why each rule before it does not
              verify [--config FILE | --database JDBC_URL [--db-user USER]] [--session ID]
                    re-check the audit record's hash chains: exit 0 when intact, 1 when broken (printing
                    the first broken link), 2 on a usage or connection error; with --database the
                    password comes from PGPASSWORD
              replay SESSION_ID [--config FILE | --database JDBC_URL [--db-user USER]]
                    print a recorded session as a timeline (payloads as stored, that is masked)
              help  print this text
            """;

    /** Parses arguments; a mistake is an {@link IllegalArgumentException} whose message says what is wrong. */
    static CommandLine parse(List<String> args) {
        if (args.isEmpty()) {
            return new Help();
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.getFirst()) {
            case "dev" -> parseDev(rest);
            case "serve" -> new Serve(Path.of(requireOption(rest, "--config")));
            case "demo-upstream" -> parseDemoUpstream(rest);
            case "agent" -> new Agent(Path.of(requireOption(rest, "--config")));
            case "check-config" -> {
                List<String> files = rest.stream().filter(a -> !a.equals("--serve")).toList();
                if (files.size() != 1 || files.getFirst().startsWith("--")) {
                    throw new IllegalArgumentException("check-config takes exactly one FILE (and --serve to check it for serve mode)");
                }
                yield new CheckConfig(Path.of(files.getFirst()), rest.contains("--serve"));
            }
            case "explain" -> parseExplain(rest);
            case "verify" -> parseVerify(rest);
            case "replay" -> parseReplay(rest);
            case "help", "--help", "-h" -> new Help();
            default -> throw new IllegalArgumentException("unknown command '" + args.getFirst() + "'");
        };
    }

    private static Dev parseDev(List<String> args) {
        String host = "127.0.0.1";
        int port = 8080;
        int temporalPort = 7233;
        Optional<String> externalTemporal = Optional.empty();
        Optional<Path> config = Optional.empty();
        boolean agent = false;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (option.equals("--agent")) {
                agent = true;
                continue;
            }
            String value = i + 1 < args.size() ? args.get(i + 1) : null;
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            switch (option) {
                case "--port" -> port = port(option, value);
                case "--temporal-port" -> temporalPort = port(option, value);
                case "--temporal" -> externalTemporal = Optional.of(hostPort(option, value));
                case "--host" -> host = value;
                case "--config" -> config = Optional.of(Path.of(value));
                default -> throw new IllegalArgumentException("unknown option '" + option + "' for dev");
            }
            i++;
        }
        if (agent && config.isPresent()) {
            throw new IllegalArgumentException("--agent runs the demo upstream through an in-process agent; with --config,"
                    + " run gatehouse agent --config AGENT_FILE for your own upstreams");
        }
        return new Dev(host, port, temporalPort, config, externalTemporal, agent);
    }

    private static DemoUpstream parseDemoUpstream(List<String> args) {
        String host = "127.0.0.1";
        int port = 8090;
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            switch (option) {
                case "--host" -> host = args.get(i + 1);
                case "--port" -> port = port(option, args.get(i + 1));
                default -> throw new IllegalArgumentException("unknown option '" + option + "' for demo-upstream");
            }
        }
        return new DemoUpstream(host, port);
    }

    private static Explain parseExplain(List<String> args) {
        java.util.Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (!List.of("--config", "--sub", "--email", "--groups", "--scopes", "--upstream", "--tool", "--args").contains(option)) {
                throw new IllegalArgumentException("unknown option '" + option + "' for explain");
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            options.put(option, args.get(i + 1));
        }
        for (String required : List.of("--config", "--sub", "--upstream", "--tool")) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException("explain needs " + required);
            }
        }
        List<String> groups = options.containsKey("--groups")
                ? java.util.Arrays.stream(options.get("--groups").split(",")).map(String::trim).filter(g -> !g.isEmpty()).toList()
                : List.of();
        List<String> scopes = options.containsKey("--scopes")
                ? java.util.Arrays.stream(options.get("--scopes").split("[ ,]+")).filter(g -> !g.isEmpty()).toList()
                : List.of();
        return new Explain(Path.of(options.get("--config")), options.get("--sub"), options.getOrDefault("--email", ""),
                groups, scopes, options.get("--upstream"), options.get("--tool"), options.getOrDefault("--args", "{}"));
    }

    private static Verify parseVerify(List<String> args) {
        java.util.Map<String, String> options = options("verify", args, List.of("--config", "--database", "--db-user", "--session"));
        return new Verify(databaseTarget("verify", options), Optional.ofNullable(options.get("--session")));
    }

    private static Replay parseReplay(List<String> args) {
        if (args.isEmpty() || args.getFirst().startsWith("--")) {
            throw new IllegalArgumentException("replay needs a SESSION_ID");
        }
        java.util.Map<String, String> options = options("replay", args.subList(1, args.size()),
                List.of("--config", "--database", "--db-user"));
        return new Replay(args.getFirst(), databaseTarget("replay", options));
    }

    private static DatabaseTarget databaseTarget(String command, java.util.Map<String, String> options) {
        boolean config = options.containsKey("--config");
        boolean url = options.containsKey("--database");
        if (config == url) {
            throw new IllegalArgumentException(command + " needs either --config FILE or --database JDBC_URL");
        }
        if (url && !options.get("--database").startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("--database must be a jdbc:postgresql: URL");
        }
        if (config && options.containsKey("--db-user")) {
            throw new IllegalArgumentException("--db-user goes with --database; with --config the user is storage.postgres.user");
        }
        return new DatabaseTarget(Optional.ofNullable(options.get("--config")).map(Path::of), Optional.ofNullable(options.get("--database")),
                Optional.ofNullable(options.get("--db-user")));
    }

    /** Options that each take one value, given at most once. */
    private static java.util.Map<String, String> options(String command, List<String> args, List<String> known) {
        java.util.Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (!known.contains(option)) {
                throw new IllegalArgumentException("unknown option '" + option + "' for " + command);
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            if (options.put(option, args.get(i + 1)) != null) {
                throw new IllegalArgumentException(option + " is given twice");
            }
        }
        return options;
    }

    private static String requireOption(List<String> args, String name) {
        if (args.size() == 2 && args.getFirst().equals(name)) {
            return args.get(1);
        }
        throw new IllegalArgumentException("expected " + name + " FILE");
    }

    private static int port(String option, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(option + " must be between 0 and 65535");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, not '" + value + "'");
        }
    }

    private static String hostPort(String option, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(option + " must be HOST:PORT (e.g. 127.0.0.1:7233), not '" + value + "'");
        }
        int port = port(option, value.substring(colon + 1));
        if (port == 0) {
            throw new IllegalArgumentException(option + " needs a real port, not 0");
        }
        return value;
    }
}
