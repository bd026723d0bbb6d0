package dev.gatehouse.broker.mcp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class ResourceUrisTest {

    @ParameterizedTest
    @ValueSource(strings = {"crm://customers/c-1003", "file:///public/report.pdf", "https://x.example/a?b=%20c",
            "test://template/42/data", "file:///a/..b/c"})
    void acceptsNormalUris(String uri) {
        assertThat(ResourceUris.problem(uri)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            file:///public/../etc/passwd | it has '.' or '..' segments
            crm://customers/./c-1003     | it has '.' or '..' segments
            file:///public/..            | it has '.' or '..' segments
            crm://customers/%63-1003     | it percent-encodes characters that need no encoding
            crm://customers/c%2D1003     | it percent-encodes characters that need no encoding
            CRM://customers/c-1003       | its scheme is not lower-case
            crm://customers/c-1003#x     | it has a fragment
            no-scheme                    | it has no scheme
            """)
    void refusesOtherSpellingsOfTheSameResource(String uri, String problem) {
        assertThat(ResourceUris.problem(uri)).contains(problem);
    }
}
