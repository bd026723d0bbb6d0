package dev.gatehouse.broker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${env:NAME}} and {@code ${file:PATH}} in configuration values. Errors name the
 * variable or file, never a value; relative file paths are relative to the configuration file.
 */
final class SecretReferences {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]*)}");

    private final Function<String, String> environment;
    private final Path baseDirectory;

    SecretReferences(Function<String, String> environment, Path baseDirectory) {
        this.environment = environment;
        this.baseDirectory = baseDirectory;
    }

    String resolve(String value) {
        if (!value.contains("${")) {
            return value;
        }
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(2).trim();
            String replacement = m.group(1).equals("env") ? fromEnvironment(name) : fromFile(name);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String fromEnvironment(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("${env:} needs a variable name");
        }
        String v = environment.apply(name);
        if (v == null) {
            throw new IllegalArgumentException("environment variable " + name + " is not set");
        }
        return v;
    }

    private String fromFile(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("${file:} needs a path");
        }
        Path path = baseDirectory.resolve(name);
        try {
            // Secret files usually end with a newline that is not part of the secret.
            return Files.readString(path, StandardCharsets.UTF_8).stripTrailing();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read secret file " + path + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
