package dev.gatehouse.broker.conformance;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.broker.dev.LoopbackServletServer;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.BlobResourceContents;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * An MCP server built on the official Java SDK that implements what the
 * {@code @modelcontextprotocol/conformance} suite's server scenarios call, with the names and
 * values the suite checks. It lets us run the suite directly against the SDK, and later through
 * the broker, so any difference is the broker's doing.
 *
 * <p>Tools live in {@link ConformanceFixtureTools}; resources, prompts and completions are here.
 */
public final class ConformanceFixture implements AutoCloseable {

    static final String MCP_PATH = "/mcp";

    /** A 1x1 PNG and a tiny WAV: the suite's client zod-validates base64, so these must be real. */
    static final String PNG_BASE64 =
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
    static final String WAV_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    private static final Pattern TEMPLATE_URI = Pattern.compile("^test://template/([^/]+)/data$");

    private final LoopbackServletServer server;
    private final McpSyncServer mcp;
    private final URI mcpUrl;

    private ConformanceFixture(LoopbackServletServer server, McpSyncServer mcp, URI mcpUrl) {
        this.server = server;
        this.mcp = mcp;
        this.mcpUrl = mcpUrl;
    }

    /** Starts the fixture on 127.0.0.1; {@code port} 0 picks a free port. */
    public static ConformanceFixture start(int port) {
        quietLibraryLogs();
        McpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(MCP_PATH)
                .httpHeaderValidator(localhostOnly())
                // SDK 2.1.0 runs the idle-session sweeper on a non-daemon Schedulers.newSingle thread that
                // closeGracefully never disposes, so the JVM could not exit after close(). The fixture's
                // sessions live only as long as the fixture, so it needs no sweeping.
                .sessionSweepInterval(null)
                .build();
        McpSyncServer mcp = buildServer(transport, json);
        try {
            LoopbackServletServer server = LoopbackServletServer.start(transport, MCP_PATH, port);
            return new ConformanceFixture(server, mcp, URI.create("http://127.0.0.1:" + server.port() + MCP_PATH));
        } catch (RuntimeException e) {
            mcp.close();
            throw new IllegalStateException("could not start the conformance fixture on port " + port, e);
        }
    }

    public URI mcpUrl() {
        return mcpUrl;
    }

    @Override
    public void close() {
        try {
            mcp.closeGracefully();
        } finally {
            server.close();
        }
    }

    /** Manual runs: {@code ConformanceFixture <port>}; stops on Ctrl-C. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        quietAllLogs();
        ConformanceFixture fixture = start(port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fixture.close();
            stopped.countDown();
        }));
        System.out.println("conformance fixture listening on " + fixture.mcpUrl());
        stopped.await();
    }

    private static McpSyncServer buildServer(HttpServletStreamableServerTransportProvider transport, McpJsonMapper json) {
        return McpServer.sync(transport)
                .serverInfo("gatehouse-conformance-fixture", "1.0.0")
                .jsonMapper(json)
                .jsonSchemaValidator(new DefaultJsonSchemaValidator(new ObjectMapper()))
                // The default 10 s also bounds sampling and elicitation round trips; a slow CI box must not hit it.
                .requestTimeout(Duration.ofSeconds(60))
                .capabilities(ServerCapabilities.builder()
                        .tools(true)
                        .resources(true, true) // subscribe=true: the SDK only registers resources/subscribe then
                        .prompts(true)
                        .logging()
                        .completions()
                        .build())
                .tools(ConformanceFixtureTools.all(json))
                .resources(resources())
                .resourceTemplates(resourceTemplates())
                .prompts(prompts())
                .completions(completions())
                .build();
    }

    /**
     * DNS-rebinding guard (scenario dns-rebinding-protection): a page on evil.example.com that resolves
     * to 127.0.0.1 must get a 4xx. A missing Origin is allowed, because non-browser clients send none.
     */
    private static DefaultServerTransportSecurityValidator localhostOnly() {
        List<String> hosts = List.of("localhost:*", "127.0.0.1:*", "[::1]:*");
        DefaultServerTransportSecurityValidator.Builder builder =
                DefaultServerTransportSecurityValidator.builder().allowedHosts(hosts);
        for (String host : hosts) {
            builder.allowedOrigin("http://" + host).allowedOrigin("https://" + host);
        }
        return builder.build();
    }

    // --- resources ---------------------------------------------------------------------------

    private static List<SyncResourceSpecification> resources() {
        return List.of(
                staticResource("test://static-text", "static-text", "A static text resource", "text/plain",
                        textContents("test://static-text", "text/plain",
                                "This is the content of the static text resource.")),
                staticResource("test://static-binary", "static-binary", "A static binary (PNG) resource", "image/png",
                        BlobResourceContents.builder("test://static-binary", PNG_BASE64).mimeType("image/png").build()),
                // Only subscribed to by the suite; it never waits for notifications/resources/updated.
                staticResource("test://watched-resource", "watched-resource", "A resource clients can subscribe to",
                        "text/plain", textContents("test://watched-resource", "text/plain", "Watched resource content")));
    }

    private static SyncResourceSpecification staticResource(String uri, String name, String description,
            String mimeType, ResourceContents contents) {
        Resource resource = Resource.builder(uri, name).description(description).mimeType(mimeType).build();
        return new SyncResourceSpecification(resource, (exchange, request) -> ReadResourceResult.builder(List.of(contents)).build());
    }

    private static List<SyncResourceTemplateSpecification> resourceTemplates() {
        ResourceTemplate template = ResourceTemplate.builder("test://template/{id}/data", "template")
                .description("A templated JSON resource; {id} is echoed back")
                .mimeType("application/json")
                .build();
        return List.of(new SyncResourceTemplateSpecification(template, (exchange, request) -> {
            Matcher m = TEMPLATE_URI.matcher(request.uri());
            String id = m.matches() ? m.group(1) : "";
            // Hand-built JSON keeps the field order the suite's reference server uses.
            String text = "{\"id\":\"" + id + "\",\"templateTest\":true,\"data\":\"Data for ID: " + id + "\"}";
            return ReadResourceResult.builder(List.of(textContents(request.uri(), "application/json", text))).build();
        }));
    }

    // --- prompts and completions -------------------------------------------------------------

    private static List<SyncPromptSpecification> prompts() {
        Prompt simple = Prompt.builder("test_simple_prompt").description("A simple prompt without arguments").build();
        Prompt withArgs = Prompt.builder("test_prompt_with_arguments")
                .description("A prompt with two required arguments")
                .arguments(List.of(requiredArgument("arg1", "First test argument"),
                        requiredArgument("arg2", "Second test argument")))
                .build();
        Prompt embedded = Prompt.builder("test_prompt_with_embedded_resource")
                .description("A prompt that embeds a resource")
                .arguments(List.of(requiredArgument("resourceUri", "URI of the resource to embed")))
                .build();
        Prompt image = Prompt.builder("test_prompt_with_image").description("A prompt that includes an image").build();
        return List.of(
                new SyncPromptSpecification(simple, (exchange, request) ->
                        prompt(userText("This is a simple prompt for testing."))),
                new SyncPromptSpecification(withArgs, (exchange, request) -> {
                    Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
                    return prompt(userText("Prompt with arguments: arg1='" + args.get("arg1")
                            + "', arg2='" + args.get("arg2") + "'"));
                }),
                new SyncPromptSpecification(embedded, (exchange, request) -> {
                    Object uri = request.arguments() == null ? null : request.arguments().get("resourceUri");
                    TextResourceContents contents = textContents(String.valueOf(uri), "text/plain",
                            "Embedded resource content for testing.");
                    return prompt(new PromptMessage(Role.USER, EmbeddedResource.builder(contents).build()),
                            userText("Please process the embedded resource above."));
                }),
                new SyncPromptSpecification(image, (exchange, request) ->
                        prompt(new PromptMessage(Role.USER, pngContent()),
                                userText("Please analyze the image above."))));
    }

    private static PromptArgument requiredArgument(String name, String description) {
        return PromptArgument.builder(name).description(description).required(true).build();
    }

    private static PromptMessage userText(String text) {
        return new PromptMessage(Role.USER, TextContent.builder(text).build());
    }

    private static GetPromptResult prompt(PromptMessage... messages) {
        return GetPromptResult.builder(List.of(messages)).build();
    }

    /** completion-complete only checks that {@code values} is an array; offer prefix matches so it is not trivially empty. */
    private static List<SyncCompletionSpecification> completions() {
        List<String> candidates = List.of("test", "testValue1", "testValue2");
        return List.of(new SyncCompletionSpecification(new PromptReference("test_prompt_with_arguments"),
                (exchange, request) -> {
                    String prefix = request.argument() == null || request.argument().value() == null
                            ? "" : request.argument().value();
                    List<String> values = candidates.stream().filter(c -> c.startsWith(prefix)).toList();
                    return new CompleteResult(new CompleteResult.CompleteCompletion(values, values.size(), false));
                }));
    }

    // --- shared content (also used by the tools) ----------------------------------------------

    static TextResourceContents textContents(String uri, String mimeType, String text) {
        return TextResourceContents.builder(uri, text).mimeType(mimeType).build();
    }

    static ImageContent pngContent() {
        return ImageContent.builder(PNG_BASE64, "image/png").build();
    }

    // --- plumbing ----------------------------------------------------------------------------

    /**
     * Logback's no-config default is DEBUG, and Jetty plus the SDK are very chatty at that level. Only
     * loggers nobody configured are touched, so a logback-test.xml still wins.
     */
    private static void quietLibraryLogs() {
        for (String name : List.of("io.modelcontextprotocol", "org.eclipse.jetty", "reactor")) {
            if (LoggerFactory.getLogger(name) instanceof Logger logger && logger.getLevel() == null) {
                logger.setLevel(Level.WARN);
            }
        }
    }

    private static void quietAllLogs() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.WARN);
        }
    }
}
