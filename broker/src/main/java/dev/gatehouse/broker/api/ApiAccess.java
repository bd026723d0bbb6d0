package dev.gatehouse.broker.api;

import dev.gatehouse.broker.auth.AuthenticationException;
import dev.gatehouse.broker.auth.Caller;
import dev.gatehouse.broker.auth.IssuerUnavailableException;
import dev.gatehouse.broker.auth.TokenVerifier;
import dev.gatehouse.broker.config.RoleSettings;
import io.javalin.http.Context;

import java.util.List;
import java.util.Locale;

/**
 * Who may use the JSON API: a bearer token verified like a workload's, whose groups (from the
 * token, never from the request) name a role in {@code roles}. Admins may do what auditors may.
 */
final class ApiAccess {

    enum Role {
        AUDITOR, ADMIN
    }

    private final TokenVerifier tokens;
    private final RoleSettings roles;
    private final String resource;

    /**
     * @param resource the API's resource URI ({@code <publicUrl>/api}); tokens naming it, or their
     *                 issuer's audience for the broker as a whole, are accepted — a token minted for
     *                 one upstream ({@code <publicUrl>/mcp/<name>}) is not
     */
    ApiAccess(TokenVerifier tokens, RoleSettings roles, String resource) {
        this.tokens = tokens;
        this.roles = roles;
        this.resource = resource;
    }

    /** The caller, if its token is good and its groups give it {@code role}; else an {@link ApiRefusal}. */
    Caller require(Context ctx, Role role) {
        Caller caller = authenticate(ctx);
        List<String> admins = roles.admins();
        List<String> auditors = roles.auditors();
        if (!has(caller, role)) {
            String needed = role == Role.ADMIN
                    ? "the admin role (a group in roles.admins " + admins + ")"
                    : "the auditor role (a group in roles.auditors " + auditors + " or roles.admins " + admins + ")";
            throw new ApiRefusal(ApiRefusal.Reason.FORBIDDEN, "this needs " + needed + "; the token's groups are " + caller.groups());
        }
        return caller;
    }

    /** True when the caller's groups give it {@code role}; admins have every role. */
    boolean has(Caller caller, Role role) {
        return caller.groups().stream().anyMatch(roles.admins()::contains)
                || role == Role.AUDITOR && caller.groups().stream().anyMatch(roles.auditors()::contains);
    }

    /** The caller, if its token is good; what it may do is for the endpoint to decide. */
    Caller authenticate(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAUTHENTICATED, "send Authorization: Bearer <token> from a trusted issuer");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAUTHENTICATED, "the Authorization header must be 'Bearer <token>', not "
                    + header.split(" ", 2)[0].toLowerCase(Locale.ROOT) + " credentials");
        }
        try {
            return tokens.verify(header.substring(7).trim(), resource);
        } catch (AuthenticationException e) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAUTHENTICATED, e.getMessage(), e);
        } catch (IssuerUnavailableException e) {
            throw new ApiRefusal(ApiRefusal.Reason.UNAVAILABLE, e.getMessage(), e);
        }
    }
}
