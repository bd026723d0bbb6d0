package dev.gatehouse.broker.dev;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.ResourcesUpdatedNotification;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The demo upstream's tools, resources and prompts: a tiny, fictional CRM. */
final class DemoCatalog {

    static final String STATUS_URI = "crm://status";

    private static final Map<String, Map<String, Object>> CUSTOMERS = Map.of(
            "c-1001", Map.of("id", "c-1001", "name", "Ada Lovelace", "plan", "enterprise"),
            "c-1002", Map.of("id", "c-1002", "name", "Alan Turing", "plan", "team"),
            "c-1003", Map.of("id", "c-1003", "name", "Grace Hopper", "plan", "enterprise"));

    private final McpJsonMapper json;
    private final AtomicReference<McpSyncServer> server = new AtomicReference<>();
    private final AtomicInteger statusVersion = new AtomicInteger(1);

    DemoCatalog(McpJsonMapper json) {
        this.json = json;
    }

    /** Tools that change the status resource notify its subscribers through the running server. */
    void attach(McpSyncServer running) {
        server.set(running);
    }

    List<SyncToolSpecification> tools() {
        return List.of(
                tool("search_customers", "Search customers by name (read-only).",
                        """
                        {"type":"object","properties":{"query":{"type":"string","description":"part of a name"}}}""",
                        this::searchCustomers),
                tool("delete_customer", "Permanently delete a customer and all their data (destructive).",
                        """
                        {"type":"object","properties":{"id":{"type":"string"},"table":{"type":"string","default":"customers"}},"required":["id"]}""",
                        this::deleteCustomer),
                tool("get_customer_profile", "A customer's full profile, including contact and payment details.",
                        """
                        {"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""",
                        this::customerProfile),
                tool("export_report", "Export a usage report slowly, reporting progress.",
                        """
                        {"type":"object","properties":{"steps":{"type":"integer","minimum":1,"maximum":50},"delayMs":{"type":"integer","minimum":0,"maximum":10000}}}""",
                        this::exportReport),
                tool("confirm_with_user", "Ask the person at the client to confirm an action (elicitation).",
                        """
                        {"type":"object","properties":{"action":{"type":"string"}},"required":["action"]}""",
                        this::confirmWithUser),
                tool("summarize_with_model", "Ask the client's model to summarise a customer (sampling).",
                        """
                        {"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""",
                        this::summarizeWithModel),
                tool("touch_status", "Change the crm://status resource, notifying its subscribers.",
                        """
                        {"type":"object","properties":{}}""",
                        this::touchStatus));
    }

    List<SyncResourceSpecification> resources() {
        Resource status = Resource.builder().uri(STATUS_URI).name("status").title("CRM status")
                .description("The CRM's current status; subscribe to hear about changes.").mimeType("text/plain").build();
        return List.of(new SyncResourceSpecification(status, (exchange, request) -> new ReadResourceResult(List.of(
                new TextResourceContents(request.uri(), "text/plain", "status version " + statusVersion.get())))));
    }

    List<SyncResourceTemplateSpecification> resourceTemplates() {
        ResourceTemplate customer = ResourceTemplate.builder().uriTemplate("crm://customers/{id}").name("customer")
                .description("One customer record as JSON.").mimeType("application/json").build();
        return List.of(new SyncResourceTemplateSpecification(customer, (exchange, request) -> {
            String id = request.uri().substring("crm://customers/".length());
            Object record = CUSTOMERS.getOrDefault(id, Map.of("error", "no such customer"));
            return new ReadResourceResult(List.of(new TextResourceContents(request.uri(), "application/json", write(record))));
        }));
    }

    List<SyncPromptSpecification> prompts() {
        Prompt prompt = Prompt.builder("draft_customer_email").title("Draft a customer e-mail")
                .description("Draft a friendly e-mail to a customer.")
                .arguments(List.of(PromptArgument.builder("customer_id").description("the customer's id").required(true).build()))
                .build();
        return List.of(new SyncPromptSpecification(prompt, (exchange, request) -> {
            Object id = request.arguments().get("customer_id");
            Map<String, Object> customer = CUSTOMERS.getOrDefault(String.valueOf(id), Map.of("name", "customer"));
            return GetPromptResult.builder(List.of(new PromptMessage(Role.USER,
                    new TextContent("Write a short, friendly e-mail to " + customer.get("name") + " about their plan."))))
                    .description("E-mail draft prompt").build();
        }));
    }

    List<SyncCompletionSpecification> completions() {
        return List.of(new SyncCompletionSpecification(new PromptReference("draft_customer_email"), (exchange, request) -> {
            List<String> ids = CUSTOMERS.keySet().stream().filter(id -> id.startsWith(request.argument().value())).sorted().toList();
            return new CompleteResult(new CompleteResult.CompleteCompletion(ids, ids.size(), false));
        }));
    }

    private CallToolResult searchCustomers(McpSyncServerExchange exchange, CallToolRequest request) {
        String query = String.valueOf(request.arguments().getOrDefault("query", "")).toLowerCase(java.util.Locale.ROOT);
        List<Map<String, Object>> hits = CUSTOMERS.values().stream()
                .filter(c -> String.valueOf(c.get("name")).toLowerCase(java.util.Locale.ROOT).contains(query))
                .sorted(java.util.Comparator.comparing(c -> String.valueOf(c.get("id"))))
                .toList();
        log(exchange, LoggingLevel.INFO, "search for '" + query + "' found " + hits.size());
        return CallToolResult.builder().addTextContent(write(hits)).structuredContent(Map.of("customers", hits)).build();
    }

    private CallToolResult deleteCustomer(McpSyncServerExchange exchange, CallToolRequest request) {
        Object id = request.arguments().get("id");
        log(exchange, LoggingLevel.WARNING, "deleting customer " + id);
        return CallToolResult.builder().addTextContent("Customer " + id + " and all their data were deleted.").build();
    }

    private CallToolResult customerProfile(McpSyncServerExchange exchange, CallToolRequest request) {
        Object id = request.arguments().get("id");
        // Deliberately full of personal data and secrets: the masking engine's demo material (all fictional).
        Map<String, Object> profile = Map.of(
                "id", String.valueOf(id),
                "email", "ada.lovelace@example.com",
                "phone", "+44 20 7946 0958",
                "card", "4111 1111 1111 1111",
                "iban", "GB82 WEST 1234 5698 7654 32",
                "ssn", "078-05-1120",
                "lastLoginIp", "203.0.113.42",
                "apiKey", "AKIAIOSFODNN7EXAMPLE",
                "githubToken", "ghp_1234567890abcdefghijklmnopqrstuvwxyzAB");
        String text = "Customer " + id + ": e-mail ada.lovelace@example.com, phone +44 20 7946 0958, card 4111 1111 1111 1111, "
                + "IBAN GB82 WEST 1234 5698 7654 32, SSN 078-05-1120, last login from 203.0.113.42, "
                + "API key AKIAIOSFODNN7EXAMPLE, GitHub token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB";
        return CallToolResult.builder().addTextContent(text).structuredContent(profile).build();
    }

    private CallToolResult exportReport(McpSyncServerExchange exchange, CallToolRequest request) {
        int steps = ((Number) request.arguments().getOrDefault("steps", 5)).intValue();
        long delayMs = ((Number) request.arguments().getOrDefault("delayMs", 400)).longValue();
        Object token = request.progressToken();
        for (int i = 1; i <= steps; i++) {
            sleep(delayMs);
            if (token != null) {
                exchange.progressNotification(ProgressNotification.builder(token, i).total((double) steps)
                        .message("exported part " + i + " of " + steps).build());
            }
        }
        log(exchange, LoggingLevel.INFO, "report exported in " + steps + " parts");
        return CallToolResult.builder().addTextContent("Report exported: " + steps + " parts.").build();
    }

    private CallToolResult confirmWithUser(McpSyncServerExchange exchange, CallToolRequest request) {
        Object action = request.arguments().get("action");
        ElicitResult answer = exchange.createElicitation(ElicitRequest.builder()
                .message("Do you really want to " + action + "?")
                .requestedSchema(Map.of("type", "object",
                        "properties", Map.of("confirm", Map.of("type", "boolean", "description", "yes to proceed")),
                        "required", List.of("confirm")))
                .build());
        boolean confirmed = answer.action() == ElicitResult.Action.ACCEPT && answer.content() != null
                && Boolean.TRUE.equals(answer.content().get("confirm"));
        return CallToolResult.builder().addTextContent(confirmed ? "Confirmed: " + action : "Not confirmed: " + action).build();
    }

    private CallToolResult summarizeWithModel(McpSyncServerExchange exchange, CallToolRequest request) {
        Object id = request.arguments().get("id");
        Map<String, Object> customer = CUSTOMERS.getOrDefault(String.valueOf(id), Map.of("name", "unknown"));
        CreateMessageResult reply = exchange.createMessage(CreateMessageRequest.builder()
                .messages(List.of(new SamplingMessage(Role.USER, new TextContent("Summarise this customer: " + write(customer)))))
                .maxTokens(200)
                .build());
        String text = reply.content() instanceof TextContent t ? t.text() : String.valueOf(reply.content());
        return CallToolResult.builder().addTextContent("Summary (by " + reply.model() + "): " + text).build();
    }

    private CallToolResult touchStatus(McpSyncServerExchange exchange, CallToolRequest request) {
        int version = statusVersion.incrementAndGet();
        McpSyncServer running = server.get();
        if (running != null) {
            running.notifyResourcesUpdated(new ResourcesUpdatedNotification(STATUS_URI));
        }
        return CallToolResult.builder().addTextContent("status is now version " + version + " at " + Instant.now()).build();
    }

    private SyncToolSpecification tool(String name, String description, String schema,
                                       java.util.function.BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        Tool tool = Tool.builder().name(name).description(description).inputSchema(json, schema).build();
        return SyncToolSpecification.builder().tool(tool).callHandler(handler).build();
    }

    private static void log(McpSyncServerExchange exchange, LoggingLevel level, String message) {
        exchange.loggingNotification(LoggingMessageNotification.builder().level(level).logger("demo-crm").data(message).build());
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("export interrupted", e);
        }
    }
}
