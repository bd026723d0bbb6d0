package dev.gatehouse.broker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MCP upstream (sessioned Streamable HTTP, on loopback) that can be killed like a process in the
 * middle of an answer. It is written on raw sockets so that dying is real: {@link #kill()} resets every
 * connection (TCP RST, no closing chunk, so the broker sees a broken stream rather than a finished one)
 * and stops listening; {@link #restart} listens on the same port again. {@code tools/call} answers as an
 * SSE stream that starts with a progress notification; while {@link Answers#UNTIL_KILLED}, nothing
 * follows it until the upstream dies. Every call is counted by its {@code id} argument before any byte
 * of the answer leaves, so a test can tell how often a call ran. Thread-safe.
 */
public final class DyingUpstream implements AutoCloseable {

    /** How a {@code tools/call} is answered. */
    public enum Answers {
        /** the progress notification, then the result */
        IN_FULL,
        /** the progress notification, then nothing until the upstream is killed */
        UNTIL_KILLED
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SESSION_ID = "dying-session";

    private final int port;
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger midAnswer = new AtomicInteger();
    private volatile Answers answers;
    private volatile ServerSocket listening;

    private DyingUpstream(Answers answers) {
        this.answers = answers;
        this.listening = bind(0);
        this.port = listening.getLocalPort();
        accept(listening);
    }

    public static DyingUpstream start(Answers answers) {
        return new DyingUpstream(answers);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port + "/mcp");
    }

    /** How often {@code tools/call} ran with argument {@code id}. */
    public int runs(String id) {
        AtomicInteger count = runs.get(id);
        return count == null ? 0 : count.get();
    }

    /** How many calls have sent their progress notification and wait, unanswered, for the upstream to die. */
    public int midAnswer() {
        return midAnswer.get();
    }

    /** Dies as a killed process would: every connection reset, nothing listening on the port. */
    public void kill() {
        ServerSocket server = listening;
        listening = null;
        closeQuietly(server);
        for (Socket socket : open) {
            reset(socket);
        }
    }

    /** Listens on the same port again, answering calls as {@code from now on} says. */
    public void restart(Answers fromNowOn) {
        this.answers = fromNowOn;
        ServerSocket server = bind(port);
        listening = server;
        accept(server);
    }

    @Override
    public void close() {
        kill();
    }

    private static ServerSocket bind(int port) {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port, e);
        }
    }

    private void accept(ServerSocket server) {
        Thread.ofVirtual().name("dying-upstream-accept").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    open.add(socket);
                    Thread.ofVirtual().name("dying-upstream-conn").start(() -> serve(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    /** One request per connection ({@code Connection: close}): enough for a proxy, and dying needs no bookkeeping of idle ones. */
    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            Map<String, String> headers = new TreeMap<>();
            String requestLine = readLine(in);
            for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            if (requestLine == null || !requestLine.startsWith("POST ")) {
                write(out, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            answer(socket, out, JSON.readTree(body));
        } catch (IOException gone) {
            // Killed, or the broker went away: either way this connection is over.
        } finally {
            open.remove(socket);
        }
    }

    private void answer(Socket socket, OutputStream out, JsonNode message) throws IOException {
        if (!message.has("id") || !message.has("method")) {
            write(out, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            return;
        }
        ObjectNode result = JSON.createObjectNode();
        switch (message.path("method").asText()) {
            case "initialize" -> {
                result.put("protocolVersion", message.path("params").path("protocolVersion").asText("2025-11-25"));
                result.putObject("capabilities").putObject("tools");
                result.putObject("serverInfo").put("name", "dying-files").put("version", "1");
                json(out, response(message, result), "Mcp-Session-Id: " + SESSION_ID + "\r\n");
            }
            case "tools/list" -> {
                result.putArray("tools").addObject().put("name", "export").put("description", "exports a file by id")
                        .putObject("inputSchema").put("type", "object");
                json(out, response(message, result), "");
            }
            case "tools/call" -> streamCall(socket, out, message);
            default -> json(out, response(message, result), "");
        }
    }

    private void streamCall(Socket socket, OutputStream out, JsonNode message) throws IOException {
        String id = message.path("params").path("arguments").path("id").asText();
        runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        Answers mode = answers;
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        ObjectNode progress = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/progress");
        progress.putObject("params").put("progress", 1).put("total", 2).put("message", "exporting " + id)
                .set("progressToken", message.path("params").path("_meta").path("progressToken"));
        chunk(out, "data: " + JSON.writeValueAsString(progress) + "\n\n");
        if (mode == Answers.UNTIL_KILLED) {
            midAnswer.incrementAndGet();
            try {
                // Nothing more comes from a process about to die; the read ends when kill() resets the socket.
                while (socket.getInputStream().read() >= 0) {
                    // the broker sends nothing more on this request
                }
            } finally {
                midAnswer.decrementAndGet();
            }
            return;
        }
        ObjectNode result = JSON.createObjectNode();
        result.putArray("content").addObject().put("type", "text").put("text", "exported " + id);
        chunk(out, "data: " + JSON.writeValueAsString(response(message, result)) + "\n\n");
        write(out, "0\r\n\r\n");
    }

    private static void json(OutputStream out, ObjectNode message, String extraHeaders) throws IOException {
        byte[] body = JSON.writeValueAsBytes(message);
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                + extraHeaders + "Connection: close\r\n\r\n");
        out.write(body);
        out.flush();
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(out, Integer.toHexString(bytes.length) + "\r\n");
        out.write(bytes);
        write(out, "\r\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode response(JsonNode request, ObjectNode result) {
        ObjectNode response = JSON.createObjectNode().put("jsonrpc", "2.0");
        response.set("id", request.get("id"));
        response.set("result", result);
        return response;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                int end = line.size();
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, end > 0 && bytes[end - 1] == '\r' ? end - 1 : end, StandardCharsets.US_ASCII);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    /** Closes with SO_LINGER 0: the peer gets a reset, as when the kernel cleans up after a killed process. */
    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // dying: there is no one to tell
        }
    }
}
