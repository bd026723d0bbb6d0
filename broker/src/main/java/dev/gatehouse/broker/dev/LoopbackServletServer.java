package dev.gatehouse.broker.dev;

import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Duration;

/**
 * One servlet on an embedded Jetty, bound to 127.0.0.1 unless told otherwise (the demo upstream in a
 * container listens on all interfaces): how the demo upstream (and test fixtures) host an MCP SDK server
 * transport. Async support is on, as the SDK's transports require.
 */
public final class LoopbackServletServer implements AutoCloseable {

    private final Server jetty;
    private final int port;

    private LoopbackServletServer(Server jetty, int port) {
        this.jetty = jetty;
        this.port = port;
    }

    /** Starts {@code servlet} at {@code pathSpec} (e.g. {@code /mcp} or {@code /*}); port 0 picks a free one. */
    public static LoopbackServletServer start(HttpServlet servlet, String pathSpec, int port) {
        return start(servlet, pathSpec, "127.0.0.1", port);
    }

    /** Starts {@code servlet} at {@code pathSpec} on {@code host} (an address or name to bind); port 0 picks a free one. */
    public static LoopbackServletServer start(HttpServlet servlet, String pathSpec, String host, int port) {
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(host);
        connector.setPort(port);
        // MCP streams may be quiet for minutes between events.
        connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder holder = new ServletHolder(servlet.getClass().getSimpleName(), servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, pathSpec);
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a servlet server on " + host + ":" + port, e);
        }
        return new LoopbackServletServer(jetty, connector.getLocalPort());
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            // Stopping at shutdown: the port is released with the process at the latest.
        }
    }
}
