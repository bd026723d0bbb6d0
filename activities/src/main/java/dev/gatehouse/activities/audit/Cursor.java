package dev.gatehouse.activities.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * A position in the newest-first list of sessions: the last session a page showed. Clients see it
 * only as an opaque token ({@link #token()}): base64url of {@code v1:<started_at in epoch micros>:<id>}.
 * Keyset, not offset: a page costs the same however deep it is, and sessions recorded while a
 * client pages never shift or repeat what it sees.
 */
public record Cursor(Instant startedAt, String sessionId) {

    private static final String VERSION = "v1";

    public Cursor {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(sessionId, "sessionId");
    }

    public static Cursor after(SessionSummary last) {
        return new Cursor(last.startedAt(), last.id());
    }

    public String token() {
        long micros = Math.addExact(Math.multiplyExact(startedAt.getEpochSecond(), 1_000_000L), startedAt.getNano() / 1_000);
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + ":" + micros + ":" + sessionId).getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a token this class made; anything else is an {@link IllegalArgumentException} saying so. */
    public static Cursor parse(String token) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        String[] parts = text.split(":", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION) || parts[2].isEmpty()) {
            throw invalid();
        }
        try {
            long micros = Long.parseLong(parts[1]);
            return new Cursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
                    parts[2]);
        } catch (NumberFormatException | java.time.DateTimeException e) {
            throw invalid();
        }
    }

    private static IllegalArgumentException invalid() {
        return new IllegalArgumentException("cursor is not one this API issued; pass nextCursor from a previous page unchanged");
    }
}
