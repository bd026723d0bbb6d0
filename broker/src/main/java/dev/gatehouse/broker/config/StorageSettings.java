package dev.gatehouse.broker.config;

import java.util.Objects;

/** Where the broker keeps sessions and records. */
public record StorageSettings(Postgres postgres) {

    public StorageSettings {
        Objects.requireNonNull(postgres, "postgres is required");
    }

    /** An external PostgreSQL; the password is never shown by {@link #toString()}. */
    public record Postgres(String url, String user, String password, Integer maxPoolSize) {
        public Postgres {
            if (url == null || !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("url must be a jdbc:postgresql: URL");
            }
            maxPoolSize = maxPoolSize == null ? 16 : maxPoolSize;
            if (maxPoolSize < 1) {
                throw new IllegalArgumentException("maxPoolSize cannot be less than 1");
            }
        }

        @Override
        public String toString() {
            return "Postgres[url=" + url + ", user=" + user + "]";
        }
    }
}
