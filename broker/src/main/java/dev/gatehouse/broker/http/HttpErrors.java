package dev.gatehouse.broker.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.api.ApiRefusal;
import dev.gatehouse.broker.auth.AuthenticationException;
import dev.gatehouse.broker.auth.IssuerUnavailableException;
import dev.gatehouse.broker.mcp.JsonRpcErrors;
import dev.gatehouse.broker.mcp.McpRefusal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;

/** The one place where failures become HTTP responses with a JSON-RPC error body. */
final class HttpErrors {

    private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

    private final ObjectMapper json;
    private final URI publicUrl;

    HttpErrors(ObjectMapper json, URI publicUrl) {
        this.json = json;
        this.publicUrl = publicUrl;
    }

    void register(RoutesConfig routes) {
        routes.exception(McpRefusal.class, (e, ctx) -> refuse(ctx, e));
        routes.exception(AuthenticationException.class, (e, ctx) -> {
            // RFC 9728 §5.1: point the client at the metadata for the exact resource it asked for.
            String metadata = publicUrl + "/.well-known/oauth-protected-resource" + ctx.path();
            String challenge = "Bearer resource_metadata=\"" + metadata + "\"";
            if (ctx.header("Authorization") != null) {
                // RFC 6750 §3.1: error codes only when a token was presented.
                challenge += ", error=\"invalid_token\", error_description=\"" + quotable(e.getMessage()) + "\"";
            }
            ctx.header("WWW-Authenticate", challenge);
            refuse(ctx, new McpRefusal(McpRefusal.Reason.UNAUTHENTICATED, e.getMessage()));
        });
        routes.exception(ApiRefusal.class, (e, ctx) -> refuse(ctx, e));
        routes.exception(IssuerUnavailableException.class, (e, ctx) -> {
            ctx.header("Retry-After", "5");
            refuse(ctx, new McpRefusal(McpRefusal.Reason.IDENTITY_UNAVAILABLE, e.getMessage()));
        });
        routes.exception(Exception.class, (e, ctx) -> {
            log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
            if (!ctx.res().isCommitted()) {
                ctx.status(500).contentType("application/json")
                        .result("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":\"internal broker error; see the broker's log\"}}");
            }
        });
    }

    private void refuse(Context ctx, McpRefusal refusal) {
        if (refusal.reason() == McpRefusal.Reason.INSUFFICIENT_SCOPE) {
            // MCP authorization (step-up): name the scopes and where the resource's metadata is.
            ctx.header("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + quotable(String.valueOf(refusal.data().get("scope")))
                    + "\", resource_metadata=\"" + publicUrl + "/.well-known/oauth-protected-resource" + ctx.path() + "\"");
        }
        if (refusal.reason().httpStatus() >= 500) {
            log.warn("{} {}: {}", ctx.method(), ctx.path(), refusal.getMessage());
        }
        if (ctx.res().isCommitted()) {
            return;
        }
        try {
            ctx.status(refusal.reason().httpStatus())
                    .contentType("application/json")
                    .result(json.writeValueAsBytes(JsonRpcErrors.of(json, refusal)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ctx.status(refusal.reason().httpStatus());
        }
    }

    /** The JSON API's refusals: {@code {"error": code, "message": why}}, not JSON-RPC. */
    private void refuse(Context ctx, ApiRefusal refusal) {
        switch (refusal.reason()) {
            case UNAUTHENTICATED -> {
                // RFC 9728: the broker's metadata names the audience its API accepts (the issuers' audience for the broker).
                String challenge = "Bearer resource_metadata=\"" + publicUrl + "/.well-known/oauth-protected-resource\"";
                if (ctx.header("Authorization") != null) {
                    challenge += ", error=\"invalid_token\", error_description=\"" + quotable(refusal.getMessage()) + "\"";
                }
                ctx.header("WWW-Authenticate", challenge);
            }
            case UNAVAILABLE -> {
                ctx.header("Retry-After", "5");
                log.warn("{} {}: {}", ctx.method(), ctx.path(), refusal.getMessage());
            }
            default -> {
                // the status and message say it all
            }
        }
        if (ctx.res().isCommitted()) {
            return;
        }
        try {
            ctx.status(refusal.reason().httpStatus())
                    .contentType("application/json")
                    .result(json.writeValueAsBytes(java.util.Map.of("error", refusal.reason().code(), "message", refusal.getMessage())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ctx.status(refusal.reason().httpStatus());
        }
    }

    /** Safe inside a quoted-string: no quotes, backslashes or control characters. */
    private static String quotable(String text) {
        return text.replaceAll("[\"\\\\\\p{Cntrl}]", "'");
    }
}
