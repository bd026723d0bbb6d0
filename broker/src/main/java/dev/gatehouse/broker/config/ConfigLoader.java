package dev.gatehouse.broker.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads and validates {@code gatehouse.yaml}: unknown keys, bad values and dangling references are
 * errors naming file, line and key. Secrets arrive through {@code ${env:…}} / {@code ${file:…}} and
 * never appear in an error message.
 */
public final class ConfigLoader {

    private final Function<String, String> environment;
    private final List<ConfigCheck> checks;

    public ConfigLoader(Function<String, String> environment) {
        this(environment, List.of());
    }

    private ConfigLoader(Function<String, String> environment, List<ConfigCheck> checks) {
        this.environment = environment;
        this.checks = List.copyOf(checks);
    }

    /** The same loader, also running {@code check} on every file it loads (e.g. compiling policy conditions). */
    public ConfigLoader withCheck(ConfigCheck check) {
        List<ConfigCheck> more = new ArrayList<>(checks);
        more.add(check);
        return new ConfigLoader(environment, more);
    }

    public static ConfigLoader withSystemEnvironment() {
        return new ConfigLoader(System::getenv);
    }

    public GatehouseConfig load(Path file) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(new ConfigProblem(file.toString(), 0, "", "file not found"));
        } catch (IOException e) {
            throw new ConfigException(new ConfigProblem(file.toString(), 0, "", "cannot read: " + e.getMessage()));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(file.toString(), yaml, dir);
    }

    /**
     * For a policy reload: {@code next}, loaded from {@code file}, is valid on its own; its policies must also fit
     * {@code running}, the configuration the broker started with, whose approver groups, masking profiles and
     * upstreams stay until the next start (a rule naming a group added in the same edit would wait for nobody, one
     * naming a new masking profile would fail every call it matches). Returns {@code running} with next's policies.
     */
    public GatehouseConfig fitPolicies(Path file, GatehouseConfig next, GatehouseConfig running) {
        GatehouseConfig combined = running.withPoliciesOf(next);
        String source = file.toString();
        KeyLines lines;
        try {
            lines = KeyLines.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException(new ConfigProblem(source, 0, "", "cannot read: " + e.getMessage()));
        }
        List<ConfigProblem> problems = new ArrayList<>(new ConfigReferences(source, lines).check(combined));
        for (ConfigCheck check : checks) {
            problems.addAll(check.check(combined, (key, message) -> new ConfigProblem(source, lines.lineOf(key), key, message)));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().map(p -> new ConfigProblem(p.file(), p.line(), p.key(), p.message()
                    + " in the running configuration: approver groups, masking profiles and upstreams change only at the"
                    + " next start")).toList());
        }
        return combined;
    }

    /** Parses YAML text; {@code source} names it in errors, {@code baseDirectory} anchors {@code ${file:…}}. */
    public GatehouseConfig parse(String source, String yaml, Path baseDirectory) {
        KeyLines lines = KeyLines.of(yaml);
        GatehouseConfig config;
        try {
            config = mapper(new SecretReferences(environment, baseDirectory)).readValue(yaml, GatehouseConfig.class);
        } catch (JacksonException e) {
            throw new ConfigException(problemOf(source, lines, e));
        }
        if (config == null) {
            throw new ConfigException(new ConfigProblem(source, 0, "", "the file is empty"));
        }
        List<ConfigProblem> problems = new ArrayList<>(new ConfigReferences(source, lines).check(config));
        for (ConfigCheck check : checks) {
            problems.addAll(check.check(config, (key, message) -> new ConfigProblem(source, lines.lineOf(key), key, message)));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return config;
    }

    private static ObjectMapper mapper(SecretReferences secrets) {
        SimpleModule module = new SimpleModule("gatehouse-config");
        module.addDeserializer(String.class, new SubstitutingStringDeserializer(secrets));
        module.addDeserializer(Duration.class, new SubstitutingScalarDeserializer<>(Duration.class, secrets, Durations::parse,
                "a duration such as 500ms, 30s, 10m, 2h or 1d"));
        module.addDeserializer(Integer.class, new SubstitutingScalarDeserializer<>(Integer.class, secrets, Integer::valueOf, "a whole number"));
        module.addDeserializer(Boolean.class, new SubstitutingScalarDeserializer<>(Boolean.class, secrets, ConfigLoader::bool, "true or false"));
        // URLs too (an issuer or upstream named by the environment); HttpUrl's messages never quote the value.
        module.addDeserializer(HttpUrl.class, new SubstitutingScalarDeserializer<>(HttpUrl.class, secrets, HttpUrl::parse, null));
        return YAMLMapper.builder(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .addModule(module)
                .build();
    }

    private static ConfigProblem problemOf(String source, KeyLines lines, JacksonException e) {
        JsonLocation location = e.getLocation();
        int line = location == null ? 0 : location.getLineNr();
        StreamReadException syntax = syntaxErrorIn(e);
        if (syntax != null) {
            JsonLocation at = syntax.getLocation();
            return new ConfigProblem(source, at == null ? line : at.getLineNr(), "", "not valid YAML: " + yamlProblem(syntax));
        }
        if (!(e instanceof JsonMappingException mapping)) {
            return new ConfigProblem(source, line, "", e.getOriginalMessage());
        }
        String key = KeyPaths.of(mapping.getPath());
        // The parser's position may already be past the offending token; the key's own line is exact.
        if (lines.has(key)) {
            line = lines.lineOf(key);
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            TreeSet<String> known = new TreeSet<>();
            unknown.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
            return new ConfigProblem(source, line, key, "unknown key (expected one of " + String.join(", ", known) + ")");
        }
        Throwable cause = e instanceof ValueInstantiationException && e.getCause() != null ? e.getCause() : null;
        String message = cause != null ? cause.getMessage() : e.getOriginalMessage();
        if (cause != null) {
            // A record's own check failed; its message starts with the offending key when it is about one key.
            String first = message == null ? "" : message.split(" ", 2)[0];
            String childKey = key.isEmpty() ? first : key + "." + first;
            if (!first.isEmpty() && lines.has(childKey)) {
                return new ConfigProblem(source, lines.lineOf(childKey), childKey, message.substring(first.length()).trim());
            }
            line = lines.lineOf(key) > 0 ? lines.lineOf(key) : line;
        }
        return new ConfigProblem(source, line, key, message == null ? e.getClass().getSimpleName() : message);
    }

    /**
     * What is wrong, without the parser's excerpt of the offending line: that line may hold a secret
     * (a password with a stray quote is a classic).
     */
    private static String yamlProblem(StreamReadException syntax) {
        for (Throwable t = syntax; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
                String context = marked.getContext() == null ? "" : marked.getContext() + ": ";
                return context + marked.getProblem();
            }
        }
        return syntax.getOriginalMessage().lines().findFirst().orElse("syntax error");
    }

    /** The YAML syntax error behind {@code e}, which databind may have wrapped; null if it is not one. */
    private static StreamReadException syntaxErrorIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamReadException read && !(t instanceof JsonMappingException)) {
                return read;
            }
        }
        return null;
    }

    /** Every string value passes through here, so {@code ${env:…}} works wherever a string is expected. */
    private static final class SubstitutingStringDeserializer extends StdScalarDeserializer<String> {
        private final transient SecretReferences secrets;

        SubstitutingStringDeserializer(SecretReferences secrets) {
            super(String.class);
            this.secrets = secrets;
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isScalarValue()) {
                return (String) ctxt.handleUnexpectedToken(String.class, p);
            }
            try {
                return secrets.resolve(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
        }
    }

    private static Boolean bool(String text) {
        return switch (text.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    /**
     * Numbers, switches, durations and URLs may come from {@code ${env:…}} too, e.g. {@code port: "${env:PORT}"}.
     * {@code expected} says what a bad value should have been; null when the parser's own message says it
     * without quoting the value.
     */
    private static final class SubstitutingScalarDeserializer<T> extends StdScalarDeserializer<T> {
        private final transient SecretReferences secrets;
        private final transient java.util.function.Function<String, T> parse;
        private final String expected;

        SubstitutingScalarDeserializer(Class<T> type, SecretReferences secrets, java.util.function.Function<String, T> parse,
                                       String expected) {
            super(type);
            this.secrets = secrets;
            this.parse = parse;
            this.expected = expected;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isScalarValue()) {
                @SuppressWarnings("unchecked")
                T unexpected = (T) ctxt.handleUnexpectedToken(handledType(), p);
                return unexpected;
            }
            String text;
            try {
                text = secrets.resolve(p.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(p, e.getMessage());
            }
            try {
                return parse.apply(text.trim());
            } catch (IllegalArgumentException e) {
                // Never echo the value: it may have come from a secret.
                throw JsonMappingException.from(p, expected == null ? e.getMessage() : "must be " + expected);
            }
        }
    }

    /** Problems that only show once the whole file is bound: duplicates and dangling names. */
    private record ConfigReferences(String source, KeyLines lines) {

        List<ConfigProblem> check(GatehouseConfig config) {
            List<ConfigProblem> problems = new ArrayList<>();
            TreeSet<String> upstreamNames = new TreeSet<>();
            for (int i = 0; i < config.upstreams().size(); i++) {
                String name = config.upstreams().get(i).name();
                if (!upstreamNames.add(name)) {
                    problems.add(at("upstreams[" + i + "].name", "duplicate upstream name '" + name + "'"));
                }
            }
            TreeSet<String> issuers = new TreeSet<>();
            for (int i = 0; i < config.identity().issuers().size(); i++) {
                String issuer = config.identity().issuers().get(i).issuer().text();
                if (!issuers.add(issuer)) {
                    problems.add(at("identity.issuers[" + i + "].issuer", "duplicate issuer " + issuer));
                }
            }
            TreeSet<String> ruleNames = new TreeSet<>();
            for (int i = 0; i < config.policies().size(); i++) {
                if (!ruleNames.add(config.policies().get(i).name())) {
                    problems.add(at("policies[" + i + "].name", "duplicate policy name '" + config.policies().get(i).name()
                            + "' (decisions and records name the rule)"));
                }
            }
            TreeSet<String> profiles = new TreeSet<>(config.masking().profiles().keySet());
            profiles.add("default");
            for (int i = 0; i < config.policies().size(); i++) {
                PolicyRule rule = config.policies().get(i);
                String key = "policies[" + i + "]";
                if (rule.upstream() != null && !upstreamNames.contains(rule.upstream())) {
                    problems.add(at(key + ".upstream", "unknown upstream '" + rule.upstream() + "' (known: "
                            + String.join(", ", upstreamNames) + ")"));
                }
                if (rule.mask() != null && !profiles.contains(rule.mask())) {
                    problems.add(at(key + ".mask", "unknown masking profile '" + rule.mask() + "' (known: "
                            + String.join(", ", profiles) + ")"));
                }
                if (rule.approval() != null) {
                    List<String> approvers = rule.approval().approvers();
                    for (int j = 0; j < approvers.size(); j++) {
                        checkApprover(config, key + ".approval.approvers[" + j + "]", approvers.get(j), problems);
                    }
                    for (int s = 0; s < rule.approval().escalate().size(); s++) {
                        List<String> to = rule.approval().escalate().get(s).to();
                        for (int j = 0; j < to.size(); j++) {
                            checkApprover(config, key + ".approval.escalate[" + s + "].to[" + j + "]", to.get(j), problems);
                        }
                    }
                }
            }
            UiSettings.LoginSettings login = config.ui().login();
            if (login != null && !issuers.contains(login.issuer().text())) {
                problems.add(at("ui.login.issuer", "is not among identity.issuers (" + String.join(", ", issuers)
                        + "): people signing in are read like that issuer's tokens, so list it there too"));
            }
            if (config.temporal() != null && config.temporal().payloadKey() == null) {
                problems.add(at("temporal.payloadKey", "is required (every Temporal payload is encrypted with it); generate one with:"
                        + " openssl rand -base64 32 and pass it in as \"${env:GATEHOUSE_PAYLOAD_KEY}\""));
            }
            return problems;
        }

        private void checkApprover(GatehouseConfig config, String key, String group, List<ConfigProblem> problems) {
            if (!config.approvers().containsKey(group)) {
                problems.add(at(key, "unknown approver group '" + group + "' (known: "
                        + String.join(", ", new TreeSet<>(config.approvers().keySet())) + ")"));
            }
        }

        private ConfigProblem at(String key, String message) {
            return new ConfigProblem(source, lines.lineOf(key), key, message);
        }
    }
}
