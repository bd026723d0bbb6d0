package dev.gatehouse.broker.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.activities.audit.AuditExport;
import dev.gatehouse.activities.audit.AuditJson;
import dev.gatehouse.activities.audit.AuditQueries;
import dev.gatehouse.activities.audit.AuditRetention;
import dev.gatehouse.activities.audit.ChainCheck;
import dev.gatehouse.activities.audit.ChainVerifier;
import dev.gatehouse.activities.audit.RetentionRun;
import dev.gatehouse.activities.audit.SessionPage;
import dev.gatehouse.activities.audit.SessionSummary;
import dev.gatehouse.activities.audit.StoredEvent;
import dev.gatehouse.broker.auth.Caller;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.jdbi.v3.core.Jdbi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The recording API: list and filter sessions, replay one's events, export (JSON Lines), verify
 * hash chains (auditor role), and apply retention (admin role). JSON in and out; failures are
 * {@link ApiRefusal}s, which the broker's one error mapper turns into responses. Thread-safe.
 */
public final class RecordingApi {

    private static final String NDJSON = "application/x-ndjson";

    private final AuditQueries queries;
    private final ChainVerifier verifier;
    private final AuditExport export;
    private final AuditRetention retention;
    private final ApiAccess access;
    private final ObjectMapper json;

    public RecordingApi(AuditQueries queries, ChainVerifier verifier, AuditExport export, AuditRetention retention,
                        ApiAccess access, ObjectMapper json) {
        this.queries = queries;
        this.verifier = verifier;
        this.export = export;
        this.retention = retention;
        this.access = access;
        this.json = json;
    }

    /** The API over the audit store in {@code jdbi}: what the composition root builds. */
    public static RecordingApi over(Jdbi jdbi, ApiAccess access, ObjectMapper json) {
        AuditQueries queries = new AuditQueries(jdbi);
        return new RecordingApi(queries, new ChainVerifier(jdbi), new AuditExport(queries), new AuditRetention(jdbi), access, json);
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/sessions", guarded(this::list));
        routes.get("/api/sessions/{id}", guarded(this::session));
        routes.get("/api/sessions/{id}/events", guarded(this::events));
        routes.get("/api/sessions/{id}/export", guarded(this::exportSession));
        routes.get("/api/sessions/{id}/verify", guarded(this::verifySession));
        routes.get("/api/export", guarded(this::exportFiltered));
        routes.get("/api/verify", guarded(this::verifyAll));
        routes.post("/api/retention", guarded(this::retention));
    }

    private void list(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        QueryParams params = new QueryParams(ctx, with(QueryParams.FILTERS, "cursor", "limit"));
        SessionPage page = queries.sessions(params.filter(), params.cursor(), params.limit());
        respond(ctx, 200, g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("sessions");
            for (SessionSummary s : page.sessions()) {
                g.writeStartObject();
                AuditJson.writeSessionFields(g, s);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("nextCursor", page.next().map(c -> c.token()).orElse(null));
            g.writeEndObject();
        });
    }

    private void session(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        new QueryParams(ctx, Set.of());
        SessionSummary s = known(ctx.pathParam("id"));
        respond(ctx, 200, g -> {
            g.writeStartObject();
            AuditJson.writeSessionFields(g, s);
            g.writeEndObject();
        });
    }

    private void events(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        QueryParams params = new QueryParams(ctx, Set.of("after", "limit"));
        long after = params.after();
        int limit = params.limit();
        SessionSummary s = known(ctx.pathParam("id"));
        List<StoredEvent> events = queries.events(s.id(), after, limit);
        respond(ctx, 200, g -> {
            g.writeStartObject();
            g.writeStringField("sessionId", s.id());
            g.writeArrayFieldStart("events");
            for (StoredEvent e : events) {
                g.writeStartObject();
                AuditJson.writeEventFields(g, e);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (events.size() == limit) {
                g.writeNumberField("nextAfter", events.getLast().seq());
            } else {
                g.writeNullField("nextAfter");
            }
            g.writeEndObject();
        });
    }

    private void exportSession(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        new QueryParams(ctx, Set.of());
        SessionSummary s = known(ctx.pathParam("id"));
        OutputStream out = startStream(ctx, "session-" + s.id());
        try {
            export.export(s, out);
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            // The client went away mid-export; there is no one left to tell.
        }
    }

    private void exportFiltered(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        QueryParams params = new QueryParams(ctx, QueryParams.FILTERS);
        var filter = params.filter();
        OutputStream out = startStream(ctx, "sessions");
        try {
            export.export(filter, out);
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            // The client went away mid-export; there is no one left to tell.
        }
    }

    private void verifySession(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        new QueryParams(ctx, Set.of());
        ChainCheck check = verifier.verify(ctx.pathParam("id"));
        if (check instanceof ChainCheck.Broken b && b.problem() == ChainCheck.Problem.UNKNOWN_SESSION) {
            throw unknown(b.sessionId());
        }
        respondCheck(ctx, check);
    }

    private void verifyAll(Context ctx) {
        access.require(ctx, ApiAccess.Role.AUDITOR);
        new QueryParams(ctx, Set.of());
        respondCheck(ctx, verifier.verifyAll());
    }

    private void retention(Context ctx) {
        Caller caller = access.require(ctx, ApiAccess.Role.ADMIN);
        new QueryParams(ctx, Set.of());
        JsonNode body;
        try {
            body = json.readTree(ctx.bodyAsBytes());
        } catch (IOException e) {
            throw QueryParams.bad("the body must be JSON such as {\"olderThanDays\": 90}");
        }
        JsonNode days = body == null ? null : body.get("olderThanDays");
        if (days == null || !days.isIntegralNumber() || !days.canConvertToInt() || days.intValue() < 1) {
            throw QueryParams.bad("olderThanDays must be a whole number of days, at least 1");
        }
        Set<String> fields = new HashSet<>();
        body.fieldNames().forEachRemaining(fields::add);
        fields.remove("olderThanDays");
        if (!fields.isEmpty()) {
            throw QueryParams.bad("unknown field(s) " + fields + "; the body takes only olderThanDays");
        }
        RetentionRun run = retention.run(days.intValue(), caller.subject());
        respond(ctx, 200, g -> {
            g.writeStartObject();
            g.writeNumberField("id", run.id());
            g.writeStringField("ranAt", run.ranAt().toString());
            g.writeStringField("ranBy", run.ranBy());
            g.writeStringField("cutoff", run.cutoff().toString());
            g.writeNumberField("sessionsDeleted", run.sessionsDeleted());
            g.writeNumberField("eventsDeleted", run.eventsDeleted());
            g.writeEndObject();
        });
    }

    private void respondCheck(Context ctx, ChainCheck check) {
        respond(ctx, 200, g -> {
            g.writeStartObject();
            switch (check) {
                case ChainCheck.Intact i -> {
                    g.writeBooleanField("intact", true);
                    g.writeNumberField("sessionsChecked", i.sessionsChecked());
                    g.writeNumberField("eventsChecked", i.eventsChecked());
                }
                case ChainCheck.Broken b -> {
                    g.writeBooleanField("intact", false);
                    g.writeStringField("sessionId", b.sessionId());
                    g.writeNumberField("seq", b.seq());
                    g.writeStringField("problem", b.problem().name());
                    g.writeStringField("detail", b.detail());
                }
            }
            g.writeEndObject();
        });
    }

    private SessionSummary known(String id) {
        return queries.session(id).orElseThrow(() -> unknown(id));
    }

    private static ApiRefusal unknown(String id) {
        return new ApiRefusal(ApiRefusal.Reason.NOT_FOUND, "no session " + id + " is recorded");
    }

    private static OutputStream startStream(Context ctx, String name) {
        ctx.status(200);
        ctx.contentType(NDJSON);
        ctx.header("Content-Disposition", "attachment; filename=\"" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl\"");
        try {
            return ctx.res().getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private static void respond(Context ctx, int status, JsonBody body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = AuditJson.factory().createGenerator(bytes)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ctx.status(status).contentType("application/json").result(bytes.toByteArray());
    }

    private static Set<String> with(Set<String> base, String... more) {
        Set<String> all = new HashSet<>(base);
        all.addAll(List.of(more));
        return all;
    }

    private static Handler guarded(Handler handler) {
        return StoreGuard.around("the audit store", handler);
    }
}
