package dev.gatehouse.workflows.relay;

import java.util.List;
import java.util.Map;

/**
 * What came back through an agent: the upstream's whole answer (a JSON body, or every event of an SSE answer
 * up to the end of its stream), or why there is none.
 *
 * @param failure    null when the upstream answered; else what went wrong, for the caller
 * @param mayHaveRun with a failure: whether the request may have reached the upstream (never retried either way)
 */
public record RelayResponse(int status, Map<String, List<String>> headers, String body, String failure, boolean mayHaveRun) {

    public RelayResponse {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        body = body == null ? "" : body;
    }

    public static RelayResponse answered(int status, Map<String, List<String>> headers, String body) {
        return new RelayResponse(status, headers, body, null, true);
    }

    public static RelayResponse failed(String failure, boolean mayHaveRun) {
        return new RelayResponse(0, Map.of(), "", failure, mayHaveRun);
    }

    public boolean answered() {
        return failure == null;
    }
}
