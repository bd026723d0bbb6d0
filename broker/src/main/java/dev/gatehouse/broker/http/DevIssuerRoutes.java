package dev.gatehouse.broker.http;

import dev.gatehouse.broker.dev.DevIssuer;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The dev issuer's endpoints; registered only in dev mode, so they do not exist in {@code serve}. */
final class DevIssuerRoutes {

    private DevIssuerRoutes() {
    }

    static void register(RoutesConfig routes, DevIssuer dev) {
        routes.get("/dev/.well-known/openid-configuration", ctx -> ctx.json(dev.discovery()));
        routes.get("/dev/jwks.json", ctx -> ctx.json(dev.jwks()));
        routes.post("/dev/token", ctx -> issue(ctx, dev));
    }

    private static void issue(Context ctx, DevIssuer dev) {
        String sub = ctx.formParam("sub");
        if (sub == null || sub.isBlank()) {
            ctx.status(400).json(Map.of("error", "invalid_request", "error_description", "form field sub is required"));
            return;
        }
        String groupsField = Optional.ofNullable(ctx.formParam("groups")).orElse("");
        List<String> groups = Arrays.stream(groupsField.split(",")).map(String::trim).filter(g -> !g.isEmpty()).toList();
        Optional<String> email = Optional.ofNullable(ctx.formParam("email")).filter(e -> !e.isBlank());
        String token = dev.issue(sub.trim(), groups, email);
        ctx.json(Map.of(
                "access_token", token,
                "token_type", "Bearer",
                "expires_in", DevIssuer.TOKEN_LIFETIME.toSeconds()));
    }
}
