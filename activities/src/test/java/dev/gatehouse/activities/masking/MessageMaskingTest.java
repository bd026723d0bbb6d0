package dev.gatehouse.activities.masking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageMaskingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final MaskingProfiles PROFILES = MaskingProfiles.compile(List.of(
            new MaskingProfileSpec("crm", List.of("pii", "card:last4", "secrets"), List.of(
                    CustomRule.path("customer-name", "customer.name"),
                    CustomRule.path("card-holder", "orders.*.holder"),
                    new CustomRule("password", null, "**.password", "[REDACTED]"),
                    CustomRule.pattern("employee-id", "EMP-\\d{6}")))));

    private static final MaskingProfile DEFAULT = PROFILES.profile("default");
    private static final MaskingProfile CRM = PROFILES.profile("crm");

    @Test
    void masksNestedStructuredContent() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":7,"result":{"content":[],"structuredContent":{
                  "customer":{"contact":{"emails":["jane@example.com","j.doe@example.org"],"phone":"+44 20 7946 0958"}},
                  "rows":[[{"note":"paid with 4242 4242 4242 4242"}]],"count":2,"vip":true}}}""");

        Masked masked = DEFAULT.mask(message);

        assertThat(masked.value()).isEqualTo(json("""
                {"jsonrpc":"2.0","id":7,"result":{"content":[],"structuredContent":{
                  "customer":{"contact":{"emails":["[EMAIL]","[EMAIL]"],"phone":"[PHONE]"}},
                  "rows":[[{"note":"paid with [CARD]"}]],"count":2,"vip":true}}}"""));
        assertThat(masked.summary().countsByDetector()).containsExactly(Map.entry("card", 1), Map.entry("email", 2),
                Map.entry("phone", 1));
    }

    @Test
    void textCopyOfStructuredContentReadsTheSameAsTheMaskedStructuredContent() {
        String structured = """
                {"customer":{"name":"Jane Doe","email":"jane@example.com"},"orders":[{"holder":"J DOE","card":"4242424242424242"}]}""";
        ObjectNode message = (ObjectNode) json("""
                {"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":""}],"structuredContent":%s}}"""
                .formatted(structured));
        // The upstream pretty-printed its text copy; it is still the same JSON.
        ((ObjectNode) message.at("/result/content/0")).put("text", json(structured).toPrettyString());

        Masked masked = CRM.mask(message);

        JsonNode expected = json("""
                {"customer":{"name":"[CUSTOMER_NAME]","email":"[EMAIL]"},"orders":[{"holder":"[CARD_HOLDER]","card":"[CARD \u2022\u2022\u2022\u20224242]"}]}""");
        assertThat(masked.value().at("/result/structuredContent")).isEqualTo(expected);
        assertThat(masked.value().at("/result/content/0/text").textValue()).isEqualTo(expected.toString());
        assertThat(masked.summary().countsByDetector()).containsExactly(Map.entry("card", 2), Map.entry("card-holder", 2),
                Map.entry("customer-name", 2), Map.entry("email", 2));
    }

    @Test
    void otherJsonTextGetsPathRulesAndDetectorsAndPlainTextOnlyDetectors() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":4,"result":{"structuredContent":{"total":1},"content":[
                  {"type":"text","text":"{\\"customer\\": {\\"name\\": \\"Jane\\", \\"password\\": 1234, \\"note\\": \\"EMP-004211\\"}}"},
                  {"type":"text","text":"customer.name is Jane, mail jane@example.com"},
                  {"type":"text","text":"[1, 2, {\\"password\\": {\\"old\\": \\"x\\"}}]"}]}}""");

        Masked masked = CRM.mask(message);

        assertThat(masked.value().at("/result/content/0/text").textValue())
                .isEqualTo("{\"customer\":{\"name\":\"[CUSTOMER_NAME]\",\"password\":\"[REDACTED]\",\"note\":\"[EMPLOYEE_ID]\"}}");
        assertThat(masked.value().at("/result/content/1/text").textValue()).isEqualTo("customer.name is Jane, mail [EMAIL]");
        assertThat(masked.value().at("/result/content/2/text").textValue()).isEqualTo("[1,2,{\"password\":\"[REDACTED]\"}]");
    }

    @Test
    void leavesUnchangedJsonTextAsItWasWritten() {
        String text = "{ \"total\" : 1.50,\n  \"items\": [] }";
        ObjectNode message = (ObjectNode) json("""
                {"jsonrpc":"2.0","id":4,"result":{"content":[{"type":"text","text":""}]}}""");
        ((ObjectNode) message.at("/result/content/0")).put("text", text);

        assertThat(CRM.mask(message).value().at("/result/content/0/text").textValue()).isEqualTo(text);
    }

    @Test
    void masksEmbeddedResourcesAndLeavesTheirUriAndBlob() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":5,"result":{"content":[
                  {"type":"resource","resource":{"uri":"mailto:jane@example.com","mimeType":"text/plain","text":"Jane: +1 415 555 2671"}},
                  {"type":"resource","resource":{"uri":"file:///10.0.0.1/x","blob":"amFuZUBleGFtcGxlLmNvbSAxMC4wLjAuMQ=="}},
                  {"type":"resource_link","uri":"https://10.0.0.1/x","name":"ops@example.com"}]}}""");

        JsonNode masked = DEFAULT.mask(message).value();

        assertThat(masked.at("/result/content/0/resource/text").textValue()).isEqualTo("Jane: [PHONE]");
        assertThat(masked.at("/result/content/0/resource/uri").textValue()).isEqualTo("mailto:jane@example.com");
        assertThat(masked.at("/result/content/1")).isEqualTo(message.at("/result/content/1"));
        assertThat(masked.at("/result/content/2/uri").textValue()).isEqualTo("https://10.0.0.1/x");
        assertThat(masked.at("/result/content/2/name").textValue()).isEqualTo("[EMAIL]");
    }

    @Test
    void masksResourcesReadContents() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":6,"result":{"contents":[
                  {"uri":"db://customers/42","mimeType":"application/json","text":"{\\"email\\":\\"jane@example.com\\"}"},
                  {"uri":"db://customers/43","mimeType":"text/plain","text":"SSN 123-45-6789"}]}}""");

        JsonNode masked = DEFAULT.mask(message).value();

        assertThat(masked.at("/result/contents/0/text").textValue()).isEqualTo("{\"email\":\"[EMAIL]\"}");
        assertThat(masked.at("/result/contents/1/text").textValue()).isEqualTo("SSN [SSN]");
        assertThat(masked.at("/result/contents/1/uri").textValue()).isEqualTo("db://customers/43");
    }

    @Test
    void masksPromptMessages() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":8,"result":{"description":"Reply to jane@example.com","messages":[
                  {"role":"user","content":{"type":"text","text":"Customer IBAN GB82 WEST 1234 5698 7654 32"}},
                  {"role":"assistant","content":{"type":"resource","resource":{"uri":"x://y","text":"ip 10.1.2.3"}}}]}}""");

        JsonNode masked = DEFAULT.mask(message).value();

        assertThat(masked.at("/result/description").textValue()).isEqualTo("Reply to [EMAIL]");
        assertThat(masked.at("/result/messages/0/content/text").textValue()).isEqualTo("Customer IBAN [IBAN]");
        assertThat(masked.at("/result/messages/1/content/resource/text").textValue()).isEqualTo("ip [IP]");
    }

    @Test
    void masksLogAndProgressNotifications() {
        JsonNode log = json("""
                {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"error","logger":"db",
                 "data":{"error":"login failed for jane@example.com","password":"hunter2","attempts":[{"ip":"10.0.0.7"}]}}}""");
        JsonNode progress = json("""
                {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"10.0.0.1","progress":1,
                 "message":"exporting jane@example.com"}}""");

        assertThat(CRM.mask(log).value().at("/params/data")).isEqualTo(json("""
                {"error":"login failed for [EMAIL]","password":"[REDACTED]","attempts":[{"ip":"10.0.0.7"}]}"""));
        assertThat(DEFAULT.mask(log).value().at("/params/data/attempts/0/ip").textValue()).isEqualTo("[IP]");
        assertThat(DEFAULT.mask(progress).value()).isEqualTo(json("""
                {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"10.0.0.1","progress":1,
                 "message":"exporting [EMAIL]"}}"""));
    }

    @Test
    void masksErrorMessageAndData() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":"a-1","error":{"code":-32000,"message":"no account for jane@example.com",
                 "data":{"tried":["+1 415 555 2671", 4242424242424242],"trace":"at 10.0.0.1"}}}""");

        JsonNode masked = DEFAULT.mask(message).value();

        assertThat(masked).isEqualTo(json("""
                {"jsonrpc":"2.0","id":"a-1","error":{"code":-32000,"message":"no account for [EMAIL]",
                 "data":{"tried":["[PHONE]", 4242424242424242],"trace":"at [IP]"}}}"""));
    }

    @Test
    void leavesProtocolMembersAndMetaAlone() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":"jane@example.com","method":"tools/call","params":{
                  "_meta":{"progressToken":"t","note":"jane@example.com","ip":"10.0.0.1"},
                  "name":"lookup","cursor":"10.0.0.1","arguments":{"uri":"mailto:jane@example.com","_meta":"10.0.0.2"}}}""");

        JsonNode masked = DEFAULT.mask(message).value();

        assertThat(masked.get("id").textValue()).isEqualTo("jane@example.com");
        assertThat(masked.at("/params/_meta")).isEqualTo(message.at("/params/_meta"));
        assertThat(masked.at("/params/cursor").textValue()).isEqualTo("10.0.0.1");
        // Inside tool arguments every member is user data, whatever it is called.
        assertThat(masked.at("/params/arguments")).isEqualTo(json("""
                {"uri":"mailto:[EMAIL]","_meta":"[IP]"}"""));
    }

    @Test
    void appliesPathRulesToToolArgumentsAndAnyDepth() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create","arguments":{
                  "customer":{"name":{"first":"Jane","last":"Doe"},"password":"p"},
                  "password":"q","nested":[{"deeper":{"password":["x","y"]}}],
                  "orders":[{"holder":"A"},{"holder":7},{"other":"EMP-123456"}]}}}""");

        Masked masked = CRM.mask(message);

        assertThat(masked.value().at("/params/arguments")).isEqualTo(json("""
                {"customer":{"name":"[CUSTOMER_NAME]","password":"[REDACTED]"},
                 "password":"[REDACTED]","nested":[{"deeper":{"password":"[REDACTED]"}}],
                 "orders":[{"holder":"[CARD_HOLDER]"},{"holder":"[CARD_HOLDER]"},{"other":"[EMPLOYEE_ID]"}]}"""));
        assertThat(masked.summary().countsByDetector()).containsExactly(Map.entry("card-holder", 2),
                Map.entry("customer-name", 1), Map.entry("employee-id", 1), Map.entry("password", 3));
    }

    @Test
    void maskValueTreatsTheWholeValueAsUserData() {
        JsonNode arguments = json("""
                {"type":"jane@example.com","customer":{"name":"Jane"},"list":[{"password":1}]}""");

        Masked masked = CRM.maskValue(arguments);

        assertThat(masked.value()).isEqualTo(json("""
                {"type":"[EMAIL]","customer":{"name":"[CUSTOMER_NAME]"},"list":[{"password":"[REDACTED]"}]}"""));
        assertThat(arguments).isEqualTo(json("""
                {"type":"jane@example.com","customer":{"name":"Jane"},"list":[{"password":1}]}"""));
    }

    @Test
    void neverChangesItsInputAndSharesNothingWithIt() {
        JsonNode message = json("""
                {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"a@example.com"}],"other":{"n":1}}}""");
        JsonNode before = message.deepCopy();

        Masked masked = DEFAULT.mask(message);
        ((ObjectNode) masked.value().get("result").get("other")).put("n", 2);

        assertThat(message).isEqualTo(before);
    }

    @Test
    void summaryCountsNamesNeverValues() {
        String email = "jane@example.com";
        Masked masked = DEFAULT.mask(json("""
                {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"%s %s 10.0.0.1"}]}}""".formatted(email, email)));

        assertThat(masked.summary().countsByDetector()).containsExactly(Map.entry("email", 2), Map.entry("ip", 1));
        assertThat(masked.summary().total()).isEqualTo(3);
        assertThat(masked.summary().toString()).doesNotContain(email).doesNotContain("10.0.0.1");
    }

    @Test
    void summariesAdd() {
        MaskSummary a = new MaskSummary(Map.of("email", 1, "ip", 2));
        MaskSummary b = new MaskSummary(Map.of("email", 3));

        assertThat(a.plus(b).countsByDetector()).containsExactly(Map.entry("email", 4), Map.entry("ip", 2));
        assertThat(a.plus(MaskSummary.none())).isSameAs(a);
        assertThat(MaskSummary.none().isEmpty()).isTrue();
        assertThat(MaskSummary.none().total()).isZero();
    }

    @Test
    void masksBatches() {
        JsonNode batch = json("""
                [{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"10.0.0.1"}]}},
                 {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1,"message":"ok"}}]""");

        assertThat(DEFAULT.mask(batch).value().at("/0/result/content/0/text").textValue()).isEqualTo("[IP]");
    }

    @Test
    void bytesWithNothingToMaskComeBackAsTheSameArray() {
        byte[] clean = bytes("""
                {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Release 2.14.3 on 2024-03-05, 3 items"}],
                 "structuredContent":{"version":"2.14.3","items":3,"price":1.50}}}""");

        MaskedBytes masked = CRM.mask(clean);

        assertThat(masked.bytes()).isSameAs(clean);
        assertThat(masked.changed()).isFalse();
        assertThat(masked.summary().isEmpty()).isTrue();
    }

    @Test
    void bytesWithLookAlikesOutsideUserDataComeBackAsTheSameArray() {
        // An address in a URI and a key that a path rule names, but in the protocol, not in user data.
        byte[] message = bytes("""
                {"jsonrpc":"2.0","id":1,"result":{"resources":[{"uri":"mailto:jane@example.com","name":"customer",
                 "annotations":{"password":true}}]}}""");

        assertThat(CRM.mask(message).bytes()).isSameAs(message);
    }

    @Test
    void bytesThatOnlyMightMatchAPathRuleComeBackAsTheSameArray() {
        // "name" is a key of the rule customer.name, so the pre-scan cannot rule it out; the walk then masks nothing.
        byte[] message = bytes("""
                {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"find","arguments":{"name":"Jane"}}}""");

        MaskedBytes masked = CRM.mask(message);

        assertThat(masked.bytes()).isSameAs(message);
        assertThat(masked.summary()).isEqualTo(MaskSummary.none());
    }

    @Test
    void bytesWithSomethingToMaskAreRewrittenCompactly() {
        byte[] message = bytes("""
                {"jsonrpc": "2.0", "id": 1,
                 "result": {"content": [{"type": "text", "text": "mail jane@example.com"}], "n": 1.50, "big": 1e400}}""");

        MaskedBytes masked = DEFAULT.mask(message);

        assertThat(new String(masked.bytes(), StandardCharsets.UTF_8)).isEqualTo("""
                {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"mail [EMAIL]"}],"n":1.50,"big":1E+400}}""");
        assertThat(masked.changed()).isTrue();
        assertThat(masked.summary().countsByDetector()).containsExactly(Map.entry("email", 1));
    }

    @Test
    void bytesAndTreeGiveTheSameResult() {
        String message = """
                {"jsonrpc":"2.0","id":9,"result":{"content":[{"type":"text","text":"{\\"customer\\":{\\"name\\":\\"J\\"}}"}],
                 "structuredContent":{"customer":{"name":"J"}}}}""";

        MaskedBytes bytes = CRM.mask(bytes(message));
        Masked tree = CRM.mask(json(message));

        assertThat(json(new String(bytes.bytes(), StandardCharsets.UTF_8))).isEqualTo(tree.value());
        assertThat(bytes.summary()).isEqualTo(tree.summary());
    }

    @Test
    void findsValuesEscapedInsideJsonText() {
        // In the raw text the '@' is an escape; only the parsed text item shows the address.
        byte[] message = bytes("""
                {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{\\"to\\":\\"jane\\\\u0040example.com\\"}"}]}}""");

        MaskedBytes masked = DEFAULT.mask(message);

        assertThat(json(new String(masked.bytes(), StandardCharsets.UTF_8)).at("/result/content/0/text").textValue())
                .isEqualTo("{\"to\":\"[EMAIL]\"}");
    }

    @Test
    void refusesBytesThatAreNotOneJsonValue() {
        assertThatThrownBy(() -> DEFAULT.mask(bytes("{\"jsonrpc\":\"2.0\",")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a JSON-RPC message");
        assertThatThrownBy(() -> DEFAULT.mask(bytes("{\"a\":1} {\"b\":2}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one JSON value");
        assertThatThrownBy(() -> DEFAULT.mask(bytes("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a JSON-RPC message");
        assertThatThrownBy(() -> DEFAULT.mask(bytes("{\"id\":1,\"id\":\"jane@example.com\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Duplicate field 'id'");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
