package dev.gatehouse.workflows.gated;

/**
 * What forwarding an approved call produced.
 *
 * @param response the upstream's JSON-RPC response (its {@code result} or {@code error} member with the
 *                 original id), masked, as JSON text; null when none arrived
 * @param failure  why there is no response (unreachable, timed out, failed after sending); null when there is one
 */
public record ForwardResult(String response, String failure) {

    public ForwardResult {
        if ((response == null) == (failure == null)) {
            throw new IllegalArgumentException("exactly one of response and failure is set");
        }
    }

    public static ForwardResult answered(String response) {
        return new ForwardResult(response, null);
    }

    public static ForwardResult failed(String failure) {
        return new ForwardResult(null, failure);
    }

    public boolean answered() {
        return response != null;
    }
}
