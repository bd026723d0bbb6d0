package dev.gatehouse.broker.slack;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.notifier.slack.SlackWebApi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a Slack user is as an approver: the e-mail {@code channels.slack.users} maps their user id to, else the
 * e-mail on their Slack profile. Approver groups list e-mails, and the workflow decides whether that person
 * may decide; this only says who clicked. Thread-safe.
 */
final class SlackApprovers {

    /**
     * Profile look-ups are remembered briefly: {@code users.info} is rate limited, and a burst of clicks on one
     * message would otherwise be a burst of look-ups. Only found addresses are kept, so mapping a user takes
     * effect at once.
     */
    static final Duration REMEMBER = Duration.ofMinutes(10);

    private final Map<String, String> configured;
    private final SlackWebApi slack;
    private final Cache<String, String> profiles = Caffeine.newBuilder()
            .expireAfterWrite(REMEMBER)
            .maximumSize(10_000)
            .build();

    SlackApprovers(Map<String, String> configured, SlackWebApi slack) {
        this.configured = Map.copyOf(configured);
        this.slack = Objects.requireNonNull(slack, "slack");
    }

    /**
     * @return empty when the user is not mapped and Slack shows no e-mail for them
     * @throws dev.gatehouse.notifier.DeliveryFailedException when Slack could not be asked
     */
    Optional<String> emailOf(String userId) {
        String mapped = configured.get(userId);
        if (mapped != null) {
            return Optional.of(mapped);
        }
        String known = profiles.getIfPresent(userId);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> found = slack.profileEmail(userId);
        found.ifPresent(email -> profiles.put(userId, email));
        return found;
    }
}
