package dev.gatehouse.notifier.email;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.notifier.DecisionSummary.Verdict;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecisionLinksTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final Instant DEADLINE = NOW.plus(Duration.ofMinutes(30));
    private static final byte[] KEY = key(7);

    private final DecisionLinks links = new DecisionLinks(KEY);

    @Test
    void acceptsItsOwnLinkBeforeTheDeadlineWithEveryClaim() {
        String token = links.sign("apr-1", "alice@example.com", Verdict.DENY, DEADLINE);

        LinkCheck check = links.verify(token, NOW);

        assertThat(check).isInstanceOf(LinkCheck.Valid.class);
        LinkClaims claims = ((LinkCheck.Valid) check).claims();
        assertThat(claims.approvalId()).isEqualTo("apr-1");
        assertThat(claims.approver()).isEqualTo("alice@example.com");
        assertThat(claims.verdict()).isEqualTo(Verdict.DENY);
        assertThat(claims.action()).isEqualTo("deny");
        assertThat(claims.expiry()).isEqualTo(DEADLINE);
        assertThat(claims.linkId()).hasSizeGreaterThanOrEqualTo(20);
    }

    @Test
    void mintsADistinctLinkIdEachTime() {
        LinkClaims first = claims(links.sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE));
        LinkClaims second = claims(links.sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE));

        assertThat(first.linkId()).isNotEqualTo(second.linkId());
    }

    @Test
    void reportsALinkAtOrPastItsDeadlineAsExpiredKeepingItsClaims() {
        String token = links.sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE);

        assertThat(links.verify(token, DEADLINE)).isInstanceOf(LinkCheck.Expired.class);
        LinkCheck later = links.verify(token, DEADLINE.plusSeconds(1));
        assertThat(later).isInstanceOf(LinkCheck.Expired.class);
        assertThat(((LinkCheck.Expired) later).claims().approver()).isEqualTo("alice@example.com");
    }

    @Test
    void refusesALinkWithOneByteOfItsClaimsChanged() {
        String token = links.sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE);
        String[] parts = token.split("\\.");
        byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
        String json = new String(payload, StandardCharsets.UTF_8);
        int at = json.indexOf("alice");
        payload[at] = (byte) 'm'; // "malice@example.com"
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload) + "." + parts[2];

        assertThat(links.verify(forged, NOW)).isEqualTo(new LinkCheck.Tampered());
    }

    @Test
    void refusesALinkWhoseSignatureWasChanged() {
        String token = links.sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE);
        int middle = token.lastIndexOf('.') + 10;
        char swapped = token.charAt(middle) == 'A' ? 'B' : 'A';
        String forged = token.substring(0, middle) + swapped + token.substring(middle + 1);

        assertThat(links.verify(forged, NOW)).isEqualTo(new LinkCheck.Tampered());
    }

    @Test
    void refusesALinkSignedWithAnotherKey() {
        String token = new DecisionLinks(key(8)).sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE);

        assertThat(links.verify(token, NOW)).isEqualTo(new LinkCheck.Tampered());
    }

    @Test
    void refusesATokenOfAnotherKindSignedWithTheSameKey() throws Exception {
        SignedJWT other = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                .jwtID("x").subject("alice@example.com").claim("aid", "apr-1").claim("dec", "approve")
                .expirationTime(Date.from(DEADLINE)).build());
        other.sign(new MACSigner(KEY));

        assertThat(links.verify(other.serialize(), NOW)).isEqualTo(new LinkCheck.Tampered());
    }

    @Test
    void reportsWhatIsNoLinkAtAllAsMalformed() {
        assertThat(links.verify(null, NOW)).isEqualTo(new LinkCheck.Malformed("the link carries no token"));
        assertThat(links.verify("", NOW)).isEqualTo(new LinkCheck.Malformed("the link carries no token"));
        assertThat(links.verify("not-a-token", NOW)).isEqualTo(new LinkCheck.Malformed("the link's token is not a signed token"));
        String token = links.sign("apr-1", "alice@example.com", Verdict.APPROVE, DEADLINE);
        assertThat(links.verify(token.substring(0, token.lastIndexOf('.')), NOW))
                .isEqualTo(new LinkCheck.Malformed("the link's token is not a signed token"));
        // alg "none": an unsigned token is not even a signed one.
        String unsigned = "eyJhbGciOiJub25lIn0." + token.split("\\.")[1] + ".";
        assertThat(links.verify(unsigned, NOW)).isEqualTo(new LinkCheck.Malformed("the link's token is not a signed token"));
    }

    @Test
    void reportsASignedTokenLackingTheClaimsAsMalformed() throws Exception {
        SignedJWT partial = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(DecisionLinks.TYPE).build(),
                new JWTClaimsSet.Builder().subject("alice@example.com").claim("dec", "maybe").build());
        partial.sign(new MACSigner(KEY));

        assertThat(links.verify(partial.serialize(), NOW))
                .isEqualTo(new LinkCheck.Malformed("the link's token lacks what a decision link says"));
    }

    @Test
    void refusesAKeyShorterThan32Bytes() {
        assertThatThrownBy(() -> new DecisionLinks(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a decision-link key must be at least 32 bytes, not 31");
    }

    @Test
    void neverShowsTheKey() {
        assertThat(links.toString()).isEqualTo("DecisionLinks[HS256]");
    }

    private LinkClaims claims(String token) {
        return ((LinkCheck.Valid) links.verify(token, NOW)).claims();
    }

    private static byte[] key(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return key;
    }
}
