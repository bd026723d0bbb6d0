package dev.gatehouse.broker.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole of {@code gatehouse.yaml}, validated and immutable. Sections that a mode fills in
 * itself (dev mode's embedded storage and Temporal) may be absent. {@code agent} is read by
 * {@code gatehouse agent} only: the task queue it polls for the upstreams listed.
 */
public record GatehouseConfig(
        ServerSettings server,
        IdentitySettings identity,
        List<UpstreamSettings> upstreams,
        Map<String, ApproverGroup> approvers,
        List<PolicyRule> policies,
        ChannelSettings channels,
        MaskingSettings masking,
        RoleSettings roles,
        StorageSettings storage,
        TemporalSettings temporal,
        GatedCallSettings gatedCalls,
        UiSettings ui,
        AgentRoute agent) {

    public GatehouseConfig {
        server = server == null ? ServerSettings.defaults() : server;
        identity = identity == null ? IdentitySettings.none() : identity;
        upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
        approvers = approvers == null ? Map.of() : Map.copyOf(approvers);
        policies = policies == null ? List.of() : List.copyOf(policies);
        channels = channels == null ? ChannelSettings.none() : channels;
        masking = masking == null ? MaskingSettings.none() : masking;
        roles = roles == null ? RoleSettings.none() : roles;
        gatedCalls = gatedCalls == null ? GatedCallSettings.defaults() : gatedCalls;
        ui = ui == null ? UiSettings.defaults() : ui;
    }

    public Optional<UpstreamSettings> upstream(String name) {
        return upstreams.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public GatehouseConfig withServer(ServerSettings newServer) {
        return new GatehouseConfig(newServer, identity, upstreams, approvers, policies, channels, masking, roles, storage, temporal, gatedCalls, ui, agent);
    }

    /** This configuration with {@code other}'s policies: compares everything but the policies. */
    public GatehouseConfig withPoliciesOf(GatehouseConfig other) {
        return new GatehouseConfig(server, identity, upstreams, approvers, other.policies, channels, masking, roles, storage, temporal, gatedCalls, ui, agent);
    }

    public GatehouseConfig withStorage(StorageSettings newStorage) {
        return new GatehouseConfig(server, identity, upstreams, approvers, policies, channels, masking, roles, newStorage, temporal, gatedCalls, ui, agent);
    }

    public GatehouseConfig withChannels(ChannelSettings newChannels) {
        return new GatehouseConfig(server, identity, upstreams, approvers, policies, newChannels, masking, roles, storage, temporal, gatedCalls, ui, agent);
    }

    public GatehouseConfig withUi(UiSettings newUi) {
        return new GatehouseConfig(server, identity, upstreams, approvers, policies, channels, masking, roles, storage, temporal, gatedCalls, newUi, agent);
    }

    public GatehouseConfig withTemporal(TemporalSettings newTemporal) {
        return new GatehouseConfig(server, identity, upstreams, approvers, policies, channels, masking, roles, storage, newTemporal, gatedCalls, ui, agent);
    }
}
