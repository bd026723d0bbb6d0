package dev.gatehouse.broker.conformance;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.AudioContent;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/** The conformance fixture's tools; see {@link ConformanceFixture}. */
final class ConformanceFixtureTools {

    /** Long enough that the suite's client sees separate notifications, short enough to keep the run fast. */
    private static final long STEP_MILLIS = 50;

    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());

    private final McpJsonMapper json;
    private final List<SyncToolSpecification> tools = new ArrayList<>();

    private ConformanceFixtureTools(McpJsonMapper json) {
        this.json = json;
    }

    static List<SyncToolSpecification> all(McpJsonMapper json) {
        ConformanceFixtureTools t = new ConformanceFixtureTools(json);
        t.contentTools();
        t.notifyingTools();
        t.clientRequestTools();
        t.pendingScenarioTools();
        return List.copyOf(t.tools);
    }

    // --- plain results: tools-call-simple-text, -image, -audio, -embedded-resource, -mixed-content, -error

    private void contentTools() {
        add("test_simple_text", "Returns a simple text response", NO_ARGUMENTS,
                (exchange, request) -> text("This is a simple text response for testing."));
        add("test_image_content", "Returns a PNG image", NO_ARGUMENTS,
                (exchange, request) -> CallToolResult.builder().addContent(png()).build());
        add("test_audio_content", "Returns a WAV audio clip", NO_ARGUMENTS,
                (exchange, request) -> CallToolResult.builder()
                        .addContent(AudioContent.builder(ConformanceFixture.WAV_BASE64, "audio/wav").build())
                        .build());
        add("test_embedded_resource", "Returns an embedded text resource", NO_ARGUMENTS,
                (exchange, request) -> CallToolResult.builder()
                        .addContent(embedded("test://embedded-resource", "text/plain",
                                "This is an embedded resource content."))
                        .build());
        add("test_multiple_content_types", "Returns text, an image and an embedded resource", NO_ARGUMENTS,
                (exchange, request) -> CallToolResult.builder()
                        .addTextContent("Multiple content types test:")
                        .addContent(png())
                        .addContent(embedded("test://mixed-content-resource", "application/json",
                                "{\"test\":\"data\",\"value\":123}"))
                        .build());
        // The suite wants a tool-level error (a result with isError), not a JSON-RPC error.
        add("test_error_handling", "Always returns a tool error", NO_ARGUMENTS,
                (exchange, request) -> CallToolResult.builder()
                        .addTextContent("This tool intentionally returns an error for testing")
                        .isError(true)
                        .build());
    }

    // --- notifications on the call's SSE stream: tools-call-with-logging, tools-call-with-progress

    private void notifyingTools() {
        add("test_tool_with_logging", "Sends three info log notifications while running", NO_ARGUMENTS,
                (exchange, request) -> {
                    List<String> messages = List.of("Tool execution started", "Tool processing data",
                            "Tool execution completed");
                    for (int i = 0; i < messages.size(); i++) {
                        if (i > 0) {
                            pause();
                        }
                        exchange.loggingNotification(LoggingMessageNotification
                                .builder(LoggingLevel.INFO, messages.get(i)).logger("conformance-fixture").build());
                    }
                    return text("Tool with logging executed successfully");
                });
        add("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100", NO_ARGUMENTS,
                (exchange, request) -> {
                    // Echo the token exactly as received: the TS client sends its numeric request id.
                    Object token = request.progressToken();
                    double[] steps = {0, 50, 100};
                    for (int i = 0; i < steps.length; i++) {
                        if (i > 0) {
                            pause();
                        }
                        if (token != null) {
                            exchange.progressNotification(
                                    ProgressNotification.builder(token, steps[i]).total(100.0).build());
                        }
                    }
                    return text("Progress tool completed (token " + token + ")");
                });
    }

    // --- server-to-client requests: tools-call-sampling, tools-call-elicitation, elicitation-sep1034/1330

    private void clientRequestTools() {
        add("test_sampling", "Asks the client's LLM via sampling/createMessage",
                objectSchema(Map.of("prompt", Map.of("type", "string", "description", "The prompt to send")), "prompt"),
                (exchange, request) -> {
                    String prompt = String.valueOf(argument(request, "prompt"));
                    SamplingMessage message = new SamplingMessage(Role.USER, TextContent.builder(prompt).build());
                    CreateMessageResult result =
                            exchange.createMessage(CreateMessageRequest.builder(List.of(message), 100).build());
                    String answer = result.content() instanceof TextContent t ? t.text() : String.valueOf(result.content());
                    return text("LLM response: " + answer);
                });
        add("test_elicitation", "Asks the user for a username and email via elicitation/create",
                objectSchema(Map.of("message", Map.of("type", "string", "description", "The message to show")),
                        "message"),
                (exchange, request) -> {
                    Map<String, Object> schema = objectSchema(ordered(
                            "username", Map.of("type", "string", "description", "User's response"),
                            "email", Map.of("type", "string", "description", "User's email address")),
                            "username", "email");
                    ElicitResult result = elicit(exchange, String.valueOf(argument(request, "message")), schema);
                    return text("User response: " + describe(result));
                });
        add("test_elicitation_sep1034_defaults", "Elicitation whose fields carry defaults (SEP-1034)", NO_ARGUMENTS,
                (exchange, request) -> {
                    Map<String, Object> schema = objectSchema(ordered(
                            "name", Map.of("type", "string", "default", "John Doe"),
                            "age", Map.of("type", "integer", "default", 30),
                            "score", Map.of("type", "number", "default", 95.5),
                            "status", Map.of("type", "string", "enum", List.of("active", "inactive", "pending"),
                                    "default", "active"),
                            "verified", Map.of("type", "boolean", "default", true)));
                    ElicitResult result = elicit(exchange,
                            "Please review and update the form fields with defaults", schema);
                    return text("Elicitation completed: " + describe(result));
                });
        add("test_elicitation_sep1330_enums", "Elicitation with every enum style (SEP-1330)", NO_ARGUMENTS,
                (exchange, request) -> {
                    ElicitResult result = elicit(exchange, "Please select options from the enum fields",
                            objectSchema(sep1330EnumProperties()));
                    return text("Elicitation completed: " + describe(result));
                });
    }

    private static Map<String, Object> sep1330EnumProperties() {
        List<String> options = List.of("option1", "option2", "option3");
        return ordered(
                "untitledSingle", Map.of("type", "string", "enum", options),
                "titledSingle", Map.of("type", "string", "oneOf",
                        titled("First Option", "Second Option", "Third Option")),
                "legacyEnum", Map.of("type", "string", "enum", List.of("opt1", "opt2", "opt3"),
                        "enumNames", List.of("Option One", "Option Two", "Option Three")),
                "untitledMulti", Map.of("type", "array", "minItems", 1, "maxItems", 3,
                        "items", Map.of("type", "string", "enum", options)),
                "titledMulti", Map.of("type", "array", "minItems", 1, "maxItems", 3,
                        "items", Map.of("anyOf", titled("First Choice", "Second Choice", "Third Choice"))));
    }

    /** {@code [{const:"value1",title:…}, …]}: the titled-enum shape SEP-1330 defines. */
    private static List<Map<String, Object>> titled(String... titles) {
        List<Map<String, Object>> choices = new ArrayList<>();
        for (int i = 0; i < titles.length; i++) {
            choices.add(Map.of("const", "value" + (i + 1), "title", titles[i]));
        }
        return choices;
    }

    // --- pending scenarios (json-schema-2020-12, server-sse-polling); harmless for the active suite

    private void pendingScenarioTools() {
        Map<String, Object> schema2020 = ordered(
                "$schema", "https://json-schema.org/draft/2020-12/schema",
                "type", "object",
                "$defs", Map.of("address", Map.of("type", "object", "properties",
                        Map.of("street", Map.of("type", "string"), "city", Map.of("type", "string")))),
                "properties", Map.of("name", Map.of("type", "string"), "address", Map.of("$ref", "#/$defs/address")),
                "additionalProperties", false);
        add("json_schema_2020_12_tool", "Takes arguments described by a JSON Schema 2020-12 document", schema2020,
                (exchange, request) -> text("JSON Schema 2020-12 tool called with: "
                        + json(request.arguments() == null ? Map.of() : request.arguments())));
        // SEP-1699 wants the server to drop the POST stream mid-call; SDK 2.1.0 has no API for that,
        // so this answers on the open stream and the pending scenario reports warnings, not failures.
        add("test_reconnection", "Completes after a short delay (SEP-1699 polling test)", NO_ARGUMENTS,
                (exchange, request) -> {
                    pause();
                    return text("Reconnection test completed successfully.");
                });
    }

    // --- helpers ---------------------------------------------------------------------------------

    private void add(String name, String description, Map<String, Object> inputSchema,
            BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        Tool tool = Tool.builder(name, inputSchema).description(description).build();
        tools.add(SyncToolSpecification.builder().tool(tool).callHandler(handler).build());
    }

    private static ElicitResult elicit(McpSyncServerExchange exchange, String message, Map<String, Object> schema) {
        return exchange.createElicitation(ElicitFormRequest.builder(message, schema).build());
    }

    private String describe(ElicitResult result) {
        String action = result.action() == null ? "unknown" : result.action().name().toLowerCase(Locale.ROOT);
        return "action=" + action + ", content=" + json(result.content() == null ? Map.of() : result.content());
    }

    private String json(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            return String.valueOf(value);
        }
    }

    private static Object argument(CallToolRequest request, String name) {
        return request.arguments() == null ? null : request.arguments().get(name);
    }

    private static Map<String, Object> objectSchema(Map<String, Object> properties, String... required) {
        return ordered("type", "object", "properties", properties, "required", List.of(required));
    }

    /** Map.of scrambles keys; the schemas read better on the wire in declaration order. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static CallToolResult text(String text) {
        return CallToolResult.builder().addTextContent(text).build();
    }

    private static ImageContent png() {
        return ConformanceFixture.pngContent();
    }

    private static EmbeddedResource embedded(String uri, String mimeType, String text) {
        return EmbeddedResource.builder(ConformanceFixture.textContents(uri, mimeType, text)).build();
    }

    private static void pause() {
        try {
            Thread.sleep(STEP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
