package dev.gatehouse.broker.recording;

import dev.gatehouse.activities.masking.CustomRule;
import dev.gatehouse.activities.masking.MaskingProfileSpec;
import dev.gatehouse.activities.masking.MaskingProfiles;
import dev.gatehouse.broker.config.ConfigCheck;
import dev.gatehouse.broker.config.ConfigProblem;
import dev.gatehouse.broker.config.GatehouseConfig;
import dev.gatehouse.broker.config.MaskingSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the {@code masking} section into compiled profiles, and checks it at load: an unknown
 * detector or a bad regex or path is a config error with its file and line.
 */
public final class MaskingConfig implements ConfigCheck {

    public static MaskingProfiles compile(MaskingSettings settings) {
        List<MaskingProfileSpec> specs = new ArrayList<>();
        for (Map.Entry<String, MaskingSettings.Profile> entry : settings.profiles().entrySet()) {
            specs.add(spec(entry.getKey(), entry.getValue()));
        }
        return MaskingProfiles.compile(specs);
    }

    @Override
    public List<ConfigProblem> check(GatehouseConfig config, Locator at) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Map.Entry<String, MaskingSettings.Profile> entry : config.masking().profiles().entrySet()) {
            try {
                MaskingProfiles.compile(List.of(spec(entry.getKey(), entry.getValue())));
            } catch (IllegalArgumentException e) {
                problems.add(at.problem("masking.profiles." + entry.getKey(), e.getMessage()));
            }
        }
        return problems;
    }

    private static MaskingProfileSpec spec(String name, MaskingSettings.Profile profile) {
        List<CustomRule> rules = profile.rules().stream()
                .map(r -> new CustomRule(r.name(), r.pattern(), r.path(), r.replacement()))
                .toList();
        return new MaskingProfileSpec(name, profile.detectors(), rules);
    }
}
