package dev.gatehouse.broker.http;

import io.javalin.config.RoutesConfig;

/** A set of HTTP routes one feature serves (an API, a channel's callbacks, a dev page), registered at start-up. */
@FunctionalInterface
public interface RouteGroup {

    void register(RoutesConfig routes);
}
