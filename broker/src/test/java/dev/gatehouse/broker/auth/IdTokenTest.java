package dev.gatehouse.broker.auth;

import dev.gatehouse.broker.testing.TestIdp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ID tokens from a web UI sign-in, checked against a real IdP on loopback (discovery and JWKS over
 * HTTP): for the UI's client, with the sign-in's nonce, signed by the issuer, groups read as for its
 * access tokens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdTokenTest {

    private static final String CLIENT = "gatehouse-ui";
    private static final String NONCE = "n-0S6_WzA2Mj";

    private TestIdp idp;
    private TokenVerifier verifier;

    @BeforeAll
    void start() {
        idp = TestIdp.start();
        verifier = new TokenVerifier(List.of(new TrustedIssuer(idp.issuer(), "https://gatehouse.example/mcp",
                new OidcIssuerKeys(idp.issuer(), null, Duration.ofSeconds(1)), "groups", Map.of())), Set.of());
    }

    @AfterAll
    void stop() {
        idp.close();
    }

    @Test
    void acceptsAnIdTokenForTheClientWithTheNonceAndReadsItsGroups() {
        String token = idp.sign(idp.claims("alice", CLIENT, "security").claim("nonce", NONCE).build());

        Caller caller = verifier.verifyIdToken(token, idp.issuer(), CLIENT, NONCE);

        assertThat(caller.subject()).isEqualTo("alice");
        assertThat(caller.groups()).containsExactly("security");
    }

    @Test
    void refusesAnIdTokenWithAnotherNonce() {
        String token = idp.sign(idp.claims("alice", CLIENT).claim("nonce", "someone-elses").build());

        assertThatThrownBy(() -> verifier.verifyIdToken(token, idp.issuer(), CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("nonce");
    }

    @Test
    void refusesAnAccessTokenPresentedAsAnIdToken() {
        String access = idp.sign(idp.claims("alice", "https://gatehouse.example/mcp").claim("nonce", NONCE).build());

        assertThatThrownBy(() -> verifier.verifyIdToken(access, idp.issuer(), CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("aud");
    }

    @Test
    void refusesAnIdTokenIssuedToAnotherParty() {
        String shared = idp.sign(idp.claims("alice", CLIENT).audience(List.of(CLIENT, "other-app")).claim("nonce", NONCE).build());
        String foreign = idp.sign(idp.claims("alice", CLIENT).claim("azp", "other-app").claim("nonce", NONCE).build());

        assertThatThrownBy(() -> verifier.verifyIdToken(shared, idp.issuer(), CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("azp");
        assertThatThrownBy(() -> verifier.verifyIdToken(foreign, idp.issuer(), CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("issued to other-app");
    }

    @Test
    void refusesAnIdTokenWithoutNonceOrExpired() {
        String noNonce = idp.sign(idp.claims("alice", CLIENT).build());
        String expired = idp.sign(idp.claims("alice", CLIENT).claim("nonce", NONCE)
                .issueTime(Date.from(Instant.now().minusSeconds(7200)))
                .notBeforeTime(Date.from(Instant.now().minusSeconds(7200)))
                .expirationTime(Date.from(Instant.now().minusSeconds(3600))).build());

        assertThatThrownBy(() -> verifier.verifyIdToken(noNonce, idp.issuer(), CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("nonce");
        assertThatThrownBy(() -> verifier.verifyIdToken(expired, idp.issuer(), CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("expired");
    }

    @Test
    void refusesAnIdTokenFromAnIssuerThatIsNotTrusted() {
        String token = idp.sign(idp.claims("alice", CLIENT).claim("nonce", NONCE).build());

        assertThatThrownBy(() -> verifier.verifyIdToken(token, "https://other.example", CLIENT, NONCE))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("not trusted");
    }
}
