package dev.gatehouse.broker.config;

/**
 * One thing wrong with a configuration file, located as precisely as the file allows.
 *
 * @param line 1-based line, or 0 when unknown
 * @param key  the dotted key path, e.g. {@code upstreams[0].url}; empty for the whole file
 */
public record ConfigProblem(String file, int line, String key, String message) {

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(file);
        if (line > 0) {
            s.append(':').append(line);
        }
        s.append(": ");
        if (!key.isEmpty()) {
            s.append(key).append(": ");
        }
        return s.append(message).toString();
    }
}
