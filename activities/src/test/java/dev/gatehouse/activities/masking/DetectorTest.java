package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Each detector alone against what it must mask and what it must leave. Secrets are assembled
 * from pieces so that secret scanners do not flag this file.
 */
class DetectorTest {

    private static final MaskingProfiles ONE_EACH = MaskingProfiles.compile(MaskingProfiles.detectorNames().stream()
            .map(name -> new MaskingProfileSpec(name, List.of(name), List.of()))
            .toList());

    private static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY";
    private static final String AZURE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final String JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
            + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
            + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    private static final String PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAuZ3mT1n6pLJk\n+Xq0Qb9z\n-----END RSA PRIVATE KEY-----";

    static Stream<Arguments> masked() {
        return Stream.of(
                arguments("email", "write to jane.doe+billing@example.co.uk today", "write to [EMAIL] today"),
                arguments("email", "<ops_team@mail-1.example.org>", "<[EMAIL]>"),
                arguments("email", "\"a@b.io\",\"c.d@e.fr\"", "\"[EMAIL]\",\"[EMAIL]\""),
                arguments("phone", "call +1 415 555 2671 now", "call [PHONE] now"),
                arguments("phone", "tel:+44 20 7946 0958", "tel:[PHONE]"),
                arguments("phone", "+4915112345678", "[PHONE]"),
                arguments("phone", "+1 (415) 555-2671", "[PHONE]"),
                arguments("phone", "+33 (0)1 23 45 67 89.", "[PHONE]."),
                arguments("phone", "office (415) 555-2671", "office [PHONE]"),
                arguments("phone", "415-555-2671", "[PHONE]"),
                arguments("phone", "415.555.2671", "[PHONE]"),
                arguments("phone", "1-800-555-0199", "[PHONE]"),
                arguments("phone", "London 020 7946 0958", "London [PHONE]"),
                arguments("phone", "Paris 06 12 34 56 78", "Paris [PHONE]"),
                arguments("phone", "Berlin 030/12345678", "Berlin [PHONE]"),
                arguments("phone", "0049 30 1234567", "[PHONE]"),
                arguments("card", "pay with 4242 4242 4242 4242 today", "pay with [CARD] today"),
                arguments("card", "4242424242424242", "[CARD]"),
                arguments("card", "4242-4242-4242-4242", "[CARD]"),
                arguments("card", "amex 3782 822463 10005", "amex [CARD]"),
                arguments("card", "card 4242 4242 4242 4242 12 28", "card [CARD] 12 28"),
                arguments("card", "qty 2 4242 4242 4242 4242", "qty 2 [CARD]"),
                arguments("card", "5555555555554444,4000056655665556", "[CARD],[CARD]"),
                arguments("iban", "GB82 WEST 1234 5698 7654 32", "[IBAN]"),
                arguments("iban", "to GB82WEST12345698765432.", "to [IBAN]."),
                arguments("iban", "DE89 3704 0044 0532 0130 00 (Berlin)", "[IBAN] (Berlin)"),
                arguments("iban", "FR14 2004 1010 0505 0001 3M02 606", "[IBAN]"),
                arguments("iban", "NL91ABNA0417164300", "[IBAN]"),
                arguments("ssn", "SSN 123-45-6789.", "SSN [SSN]."),
                arguments("ssn", "078-05-1120", "[SSN]"),
                arguments("ssn", "(899-99-9999)", "([SSN])"),
                arguments("ip", "from 10.0.0.1 and 192.168.1.254:8080", "from [IP] and [IP]:8080"),
                arguments("ip", "host 255.255.255.255.", "host [IP]."),
                arguments("ip", "2001:db8::8a2e:370:7334", "[IP]"),
                arguments("ip", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[IP]"),
                arguments("ip", "[::1]:443", "[[IP]]:443"),
                arguments("ip", "fe80::1 is link-local", "[IP] is link-local"),
                arguments("ip", "::ffff:192.0.2.128", "[IP]"),
                arguments("aws-key", "key AKIAIOSFODNN7EXAMPLE", "key [AWS_KEY]"),
                arguments("aws-key", "ASIAY34FZKBOKMUTVV7A,", "[AWS_KEY],"),
                arguments("aws-key", "aws_secret_access_key = " + AWS_SECRET, "aws_secret_access_key = [AWS_KEY]"),
                arguments("aws-key", "{\"SecretAccessKey\": \"" + AWS_SECRET + "\"}", "{\"SecretAccessKey\": \"[AWS_KEY]\"}"),
                arguments("gcp-key", "key=AIza" + "SyA-1234567890abcdefghijklmnopqrstu", "key=[GCP_KEY]"),
                arguments("azure-key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + AZURE_ACCOUNT_KEY
                                + ";EndpointSuffix=core.windows.net",
                        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[AZURE_KEY];EndpointSuffix=core.windows.net"),
                arguments("azure-key", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=Ab12Cd34Ef56Gh78%2BIj90Kl%3D",
                        "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=[AZURE_KEY]"),
                arguments("github-token", "token ghp" + "_16C7e42F292c6912E7710c838347Ae178B4a", "token [GITHUB_TOKEN]"),
                arguments("github-token", "gho" + "_16C7e42F292c6912E7710c838347Ae178B4a", "[GITHUB_TOKEN]"),
                arguments("github-token", "github" + "_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU",
                        "[GITHUB_TOKEN]"),
                arguments("slack-token", "xox" + "b-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "[SLACK_TOKEN]"),
                arguments("slack-token", "SLACK=xox" + "p-1234567890-abcdefghij", "SLACK=[SLACK_TOKEN]"),
                arguments("slack-token", "xap" + "p-1-A0123456789-1234567890123-abcdef0123456789", "[SLACK_TOKEN]"),
                arguments("stripe-key", "sk_" + "live_51H8abcdEFGHijklMNOPqrst", "[STRIPE_KEY]"),
                arguments("stripe-key", "rk_" + "test_51H8abcdEFGHijklMNOPqrst and", "[STRIPE_KEY] and"),
                arguments("stripe-key", "whsec" + "_abcdEFGH1234ijklMNOP5678", "[STRIPE_KEY]"),
                arguments("jwt", "Authorization: Bearer " + JWT, "Authorization: Bearer [JWT]"),
                arguments("jwt", JWT + ".", "[JWT]."),
                arguments("private-key", "key:\n" + PEM + "\nend", "key:\n[PRIVATE_KEY]\nend"),
                arguments("private-key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "[PRIVATE_KEY]"),
                arguments("private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n",
                        "[PRIVATE_KEY]\n"));
    }

    @ParameterizedTest(name = "{0} masks \"{1}\"")
    @MethodSource("masked")
    void masksWhatItDetects(String detector, String text, String expected) {
        assertThat(mask(detector, text)).isEqualTo(expected);
    }

    static Stream<Arguments> kept() {
        return Stream.of(
                arguments("email", "@mention me"),
                arguments("email", "user@localhost"),
                arguments("email", "a@b"),
                arguments("email", "meet @ noon"),
                arguments("email", "foo@bar.1"),
                arguments("phone", "on 2024-01-15"),
                arguments("phone", "on 15.01.2024"),
                arguments("phone", "at 2024-01-15T10:30:00Z"),
                arguments("phone", "01-02-2024 10:30"),
                arguments("phone", "at 14:22:05 2024-03-05"),
                arguments("phone", "order 1234567890"),
                arguments("phone", "ORD-2024-118842"),
                arguments("phone", "order 2024-118842-07"),
                arguments("phone", "#4412345678"),
                arguments("phone", "version 1.2.3"),
                arguments("phone", "host 192.168.100.200"),
                arguments("phone", "pi 3.14159265"),
                arguments("phone", "total 1,234,567.89"),
                arguments("phone", "12345678901234567890"),
                arguments("phone", "0612345678"),
                arguments("phone", "100 200 300 4000"),
                arguments("phone", "+1234567"),
                arguments("card", "4242 4242 4242 4241"),
                arguments("card", "4242424242424241"),
                arguments("card", "1234 5678 9012 3456"),
                arguments("card", "id 42424242424242420"),
                arguments("card", "4242424242424242abc"),
                arguments("card", "x4242424242424242"),
                arguments("card", "42 42 42 42 42 42 42 42"),
                arguments("card", "12345678901234567890123"),
                arguments("iban", "GB82 WEST 1234 5698 7654 33"),
                arguments("iban", "GB82 WEST 1234 5698 7654"),
                arguments("iban", "GB82 WEST 1234 5698 7654 321"),
                arguments("iban", "XX82 WEST 1234 5698 7654 32"),
                arguments("iban", "DE89 3704 0044 0532 0130 01"),
                arguments("iban", "gb82 west 1234 5698 7654 32"),
                arguments("ssn", "000-12-3456"),
                arguments("ssn", "666-12-3456"),
                arguments("ssn", "900-12-3456"),
                arguments("ssn", "123-00-4567"),
                arguments("ssn", "123-45-0000"),
                arguments("ssn", "123456789"),
                arguments("ssn", "12-345-6789"),
                arguments("ssn", "1-123-45-6789"),
                arguments("ip", "999.1.1.1"),
                arguments("ip", "256.256.256.256"),
                arguments("ip", "version 1.2.3"),
                arguments("ip", "1.2.3.4.5"),
                arguments("ip", "v1.2.3.4"),
                arguments("ip", "at 12:30:45"),
                arguments("ip", "mac 00:1A:2B:3C:4D:5E"),
                arguments("ip", "std::vector"),
                arguments("ip", "dead::beef"),
                arguments("ip", "a ::"),
                arguments("ip", "1:2:3"),
                arguments("aws-key", "AKIA1234"),
                arguments("aws-key", "XAKIAIOSFODNN7EXAMPLE"),
                arguments("aws-key", "AKIAIOSFODNN7EXAMPLEX"),
                arguments("aws-key", "commit " + AWS_SECRET),
                arguments("aws-key", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
                arguments("gcp-key", "AIzaShort"),
                arguments("gcp-key", "AIza" + "SyA-1234567890abcdefghijklmnopqrstuvwxyz"),
                arguments("azure-key", "AccountKey=short"),
                arguments("azure-key", "design=modern architecture"),
                arguments("azure-key", "xsig=Ab12Cd34Ef56Gh78Ij90Kl"),
                arguments("github-token", "ghp_short"),
                arguments("github-token", "the ghp_ prefix marks a classic token"),
                arguments("github-token", "github_pat_"),
                arguments("slack-token", "xoxb-"),
                arguments("slack-token", "xoxo-hugs-and-kisses"),
                arguments("stripe-key", "pk_" + "live_51H8abcdEFGHijklMNOPqrst"),
                arguments("stripe-key", "sk_live_abc"),
                arguments("stripe-key", "ask_live_51H8abcdEFGHijklMNOPqrst"),
                arguments("jwt", "eyJhbGciOi.not.a-token"),
                arguments("jwt", "eyJfoo.bar.baz"),
                arguments("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"),
                arguments("jwt", "eyJub3QganNvbiBhdCBhbGwgcmVhbGx5.eyJzdWIiOiIxIn0.c2ln"),
                arguments("jwt", "see release.notes.v2"),
                arguments("private-key", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
                arguments("private-key", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"),
                arguments("private-key", "mentions a PRIVATE KEY in prose"));
    }

    @ParameterizedTest(name = "{0} leaves \"{1}\"")
    @MethodSource("kept")
    void leavesLookAlikes(String detector, String text) {
        assertThat(mask(detector, text)).isEqualTo(text);
    }

    static Stream<Arguments> clean() {
        return Stream.of(
                arguments("Release 2.14.3 shipped on 2024-03-05 at 14:22:05 UTC (build 20240305.1)."),
                arguments("Order ORD-2024-118842 for 3 items, total EUR 1,234.56, ref #A1B2C3."),
                arguments("id 3f2b8c1e-9d4a-4e7b-8f21-0c6d5e4a3b2c, sha da39a3ee5e6b4b0d3255bfef95601890afd80709"),
                arguments("https://docs.example.com/v1.2/api?page=3&limit=50#section-4.1"),
                arguments("Temperature 21.5°C, humidity 48%, wind 12 km/h; 10:30–11:45."),
                arguments("std::vector<int> v; v.push_back(42); // C++17"),
                arguments("Invoice 2024/0042 dated 05.06.2023, due in 30 days."),
                arguments("The quick brown fox — «jumps» over 12 lazy dogs 🐕 ∑ 1 2 3."));
    }

    @ParameterizedTest(name = "default leaves \"{0}\"")
    @MethodSource("clean")
    void defaultProfileLeavesEverydayText(String text) {
        assertThat(MaskingProfiles.compile(List.of()).profile("default").maskValue(TextNode.valueOf(text)).value().textValue())
                .isEqualTo(text);
    }

    static Stream<Arguments> lastChars() {
        return Stream.of(
                arguments("card:last4", "4242 4242 4242 4242", "[CARD \u2022\u2022\u2022\u20224242]"),
                arguments("card:last2", "5555-5555-5555-4444", "[CARD \u2022\u2022\u2022\u202244]"),
                arguments("iban:last4", "GB82 WEST 1234 5698 7654 32", "[IBAN \u2022\u2022\u2022\u20225432]"),
                arguments("phone:last3", "+1 415 555 2671", "[PHONE \u2022\u2022\u2022\u2022671]"),
                arguments("ssn:last4", "123-45-6789", "[SSN \u2022\u2022\u2022\u20226789]"));
    }

    @ParameterizedTest(name = "{0} shows the tail of \"{1}\"")
    @MethodSource("lastChars")
    void showsOnlyTheLastCharactersWhenAsked(String entry, String text, String expected) {
        MaskingProfile profile = MaskingProfiles.compile(List.of(new MaskingProfileSpec("tail", List.of(entry), List.of())))
                .profile("tail");
        assertThat(profile.maskValue(TextNode.valueOf(text)).value().textValue()).isEqualTo(expected);
    }

    static Stream<Arguments> defaults() {
        Map<String, String> labels = Map.ofEntries(Map.entry("email", "EMAIL"), Map.entry("phone", "PHONE"),
                Map.entry("card", "CARD"), Map.entry("iban", "IBAN"), Map.entry("ssn", "SSN"), Map.entry("ip", "IP"),
                Map.entry("aws-key", "AWS_KEY"), Map.entry("gcp-key", "GCP_KEY"), Map.entry("azure-key", "AZURE_KEY"),
                Map.entry("github-token", "GITHUB_TOKEN"), Map.entry("slack-token", "SLACK_TOKEN"),
                Map.entry("stripe-key", "STRIPE_KEY"), Map.entry("jwt", "JWT"), Map.entry("private-key", "PRIVATE_KEY"));
        return masked().map(Arguments::get)
                .filter(args -> ((String) args[2]).contains("[" + labels.get((String) args[0]) + "]"))
                .collect(Collectors.toMap(args -> (String) args[0], args -> args, (first, second) -> first))
                .values().stream().map(args -> arguments(args[0], args[1], args[2]));
    }

    @ParameterizedTest(name = "default includes {0}")
    @MethodSource("defaults")
    void defaultProfileHasEveryDetector(String detector, String text, String expected) {
        MaskingProfile profile = MaskingProfiles.compile(List.of()).profile("default");
        assertThat(profile.maskValue(TextNode.valueOf(text)).value().textValue()).isEqualTo(expected);
    }

    private static String mask(String detector, String text) {
        return ONE_EACH.profile(detector).maskValue(TextNode.valueOf(text)).value().textValue();
    }
}
