package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class MaskingProfilesTest {

    @Test
    void alwaysHasTheBuiltInDefault() {
        MaskingProfiles profiles = MaskingProfiles.compile(List.of(new MaskingProfileSpec("quiet", List.of(), List.of())));

        assertThat(profiles.names()).containsExactly("default", "quiet");
        assertThat(profiles.has("default")).isTrue();
        assertThat(profiles.profile("quiet").maskValue(TextNode.valueOf("jane@example.com")).value().textValue())
                .isEqualTo("jane@example.com");
        assertThat(profiles.profile("default").maskValue(TextNode.valueOf("jane@example.com 10.0.0.1")).value().textValue())
                .isEqualTo("[EMAIL] [IP]");
    }

    @Test
    void aSpecNamedDefaultReplacesTheBuiltIn() {
        MaskingProfiles profiles = MaskingProfiles.compile(List.of(new MaskingProfileSpec("default", List.of("email"), List.of())));

        assertThat(profiles.profile("default").maskValue(TextNode.valueOf("jane@example.com 10.0.0.1")).value().textValue())
                .isEqualTo("[EMAIL] 10.0.0.1");
    }

    @Test
    void namesAnSsnAnSsnThoughItIsPhoneShapedToo() {
        MaskingProfiles profiles = MaskingProfiles.compile(List.of());
        assertThat(profiles.profile("default").maskValue(TextNode.valueOf("SSN 078-05-1120, call +1 415 555 0100")).value().textValue())
                .isEqualTo("SSN [SSN], call [PHONE]");
    }

    @Test
    void namesEveryDetector() {
        assertThat(MaskingProfiles.detectorNames()).containsExactly("email", "card", "iban", "ssn", "phone", "ip",
                "aws-key", "gcp-key", "azure-key", "github-token", "slack-token", "stripe-key", "jwt", "private-key");
    }

    @Test
    void refusesUnknownProfileNamingTheKnownOnes() {
        assertThatThrownBy(() -> MaskingProfiles.compile(List.of(new MaskingProfileSpec("crm", List.of(), List.of())))
                .profile("billing"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown masking profile 'billing'; known profiles: crm, default");
    }

    @Test
    void explicitDetectorRefinesItsGroup() {
        MaskingProfile profile = MaskingProfiles.compile(List.of(new MaskingProfileSpec("p", List.of("pii", "card:last4"), List.of())))
                .profile("p");

        assertThat(profile.maskValue(TextNode.valueOf("4242424242424242 jane@example.com")).value().textValue())
                .isEqualTo("[CARD \u2022\u2022\u2022\u20224242] [EMAIL]");
    }

    @Test
    void defaultReplacementIsTheRuleNameUpperCased() {
        MaskingProfile profile = MaskingProfiles.compile(List.of(new MaskingProfileSpec("p", List.of(),
                List.of(CustomRule.pattern("employee id.v2", "EMP-\\d+"), new CustomRule("ticket", "T-\\d+", null, "<ticket>")))))
                .profile("p");

        assertThat(profile.maskValue(TextNode.valueOf("EMP-42 and T-7")).value().textValue()).isEqualTo("[EMPLOYEE_ID_V2] and <ticket>");
    }

    @Test
    void overlappingMatchesPreferTheEarliestThenTheLongest() {
        MaskingProfile profile = MaskingProfiles.compile(List.of(new MaskingProfileSpec("p", List.of("email"),
                List.of(CustomRule.pattern("domain", "example\\.com"), CustomRule.pattern("jane", "jane"),
                        CustomRule.pattern("jane-doe", "jane\\.doe")))))
                .profile("p");

        assertThat(profile.maskValue(TextNode.valueOf("jane.doe jane.doe@example.com example.com")).value().textValue())
                .isEqualTo("[JANE_DOE] [EMAIL] [DOMAIN]");
    }

    @Test
    void aRuleMayShareADetectorsNameAndIsCountedWithIt() {
        MaskingProfile profile = MaskingProfiles.compile(List.of(new MaskingProfileSpec("p", List.of("ssn"),
                List.of(CustomRule.path("ssn", "customer.ssn"))))).profile("p");

        Masked masked = profile.maskValue(json("{\"customer\":{\"ssn\":123456789},\"note\":\"123-45-6789\"}"));

        assertThat(masked.value()).isEqualTo(json("{\"customer\":{\"ssn\":\"[SSN]\"},\"note\":\"[SSN]\"}"));
        assertThat(masked.summary().countsByDetector()).containsExactly(Map.entry("ssn", 2));
    }

    static Stream<Arguments> problems() {
        return Stream.of(
                arguments(spec("  ", "email"), "a masking profile has a blank name"),
                arguments(spec("p", "emial"), "masking profile 'p': unknown detector 'emial'; known detectors: email, card, iban, "
                        + "ssn, phone, ip, aws-key, gcp-key, azure-key, github-token, slack-token, stripe-key, jwt, private-key; "
                        + "groups: pii, secrets"),
                arguments(spec("p", "email", " "), "masking profile 'p': detector entry 2 is blank"),
                arguments(spec("p", "card", "card:last4"), "masking profile 'p': detector 'card' is listed twice"),
                arguments(spec("p", "card:first4"), "masking profile 'p': detector 'card:first4': the only option is 'lastN' "
                        + "with N from 1 to 8, e.g. 'card:last4'"),
                arguments(spec("p", "card:last9"), "masking profile 'p': detector 'card:last9': the only option is 'lastN' "
                        + "with N from 1 to 8, e.g. 'card:last4'"),
                arguments(spec("p", "email:last4"), "masking profile 'p': detector 'email:last4': only card, iban, ssn, phone "
                        + "can show their last characters"),
                arguments(spec("p", "pii:last4"), "masking profile 'p': detector group 'pii' takes no ':last4'; name the "
                        + "detector instead, e.g. 'card:last4'"),
                arguments(rules("p", new CustomRule(null, "x", null, null)), "masking profile 'p': rule 1 has a blank name"),
                arguments(rules("p", CustomRule.pattern("a", "x"), CustomRule.path("a", "x")),
                        "masking profile 'p': rule 'a' is defined twice"),
                arguments(rules("p", new CustomRule("a", "x", "y", null)),
                        "masking profile 'p': rule 'a' must have exactly one of 'pattern' or 'path'"),
                arguments(rules("p", new CustomRule("a", null, null, null)),
                        "masking profile 'p': rule 'a' must have exactly one of 'pattern' or 'path'"),
                arguments(rules("p", CustomRule.pattern("acct", "ACCT-(\\d+")),
                        "masking profile 'p': rule 'acct': invalid pattern 'ACCT-(\\d+': Unclosed group at index 9"),
                arguments(rules("p", CustomRule.pattern("acct", "\\d*")),
                        "masking profile 'p': rule 'acct': pattern '\\d*' matches the empty string, so it would match everywhere"),
                arguments(rules("p", CustomRule.path("ssn", "customer..ssn")), "masking profile 'p': rule 'ssn': invalid path "
                        + "'customer..ssn' has an empty segment at position 2 (keys are separated by single dots)"),
                arguments(rules("p", CustomRule.path("ssn", "customer.ssn.")), "masking profile 'p': rule 'ssn': invalid path "
                        + "'customer.ssn.' has an empty segment at position 3 (keys are separated by single dots)"),
                arguments(rules("p", CustomRule.path("ssn", "cust*.ssn")), "masking profile 'p': rule 'ssn': invalid path "
                        + "'cust*.ssn' has segment 'cust*': a wildcard must be a whole segment, '*' for one key or '**' for any depth"),
                arguments(rules("p", CustomRule.path("ssn", "***")), "masking profile 'p': rule 'ssn': invalid path "
                        + "'***' has segment '***': a wildcard must be a whole segment, '*' for one key or '**' for any depth"),
                arguments(rules("p", CustomRule.path("ssn", "")), "masking profile 'p': rule 'ssn': invalid path is empty"),
                arguments(rules("p", CustomRule.path("ssn", " a.b")), "masking profile 'p': rule 'ssn': invalid path "
                        + "' a.b' has leading or trailing spaces"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("problems")
    void refusesBadSpecsSayingWhatIsWrong(MaskingProfileSpec spec, String message) {
        assertThatThrownBy(() -> MaskingProfiles.compile(List.of(spec)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void refusesTwoProfilesOfOneName() {
        assertThatThrownBy(() -> MaskingProfiles.compile(List.of(spec("crm", "email"), spec("crm", "ip"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("masking profile 'crm' is defined twice");
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static MaskingProfileSpec spec(String name, String... detectors) {
        return new MaskingProfileSpec(name, Arrays.asList(detectors), List.of());
    }

    private static MaskingProfileSpec rules(String name, CustomRule... rules) {
        return new MaskingProfileSpec(name, List.of(), Arrays.asList(rules));
    }
}
