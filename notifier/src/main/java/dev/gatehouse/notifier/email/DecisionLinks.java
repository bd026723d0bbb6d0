package dev.gatehouse.notifier.email;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.notifier.DecisionSummary.Verdict;

import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;

/**
 * Signs and checks the tokens that e-mailed Approve and Deny links carry: a compact JWS (HS256) bound to
 * one approval, one approver address, one verdict and an expiry, with a random id so that spending it
 * once can be recorded. Immutable and thread-safe; the key is never shown.
 *
 * <p>Only the holder of the key can mint a link, so the link itself is the approver's credential: whoever
 * reads the mail may decide in the approver's name, which is why links expire with the approval and are
 * spent by their first use.
 */
public final class DecisionLinks {

    /** HS256 needs a key at least as long as its output. */
    public static final int MIN_KEY_BYTES = 32;

    /** Set on every link so that no other HS256 token signed with the same key could pass for one. */
    static final JOSEObjectType TYPE = new JOSEObjectType("gatehouse-decision-link");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final MACSigner signer;
    private final MACVerifier verifier;

    public DecisionLinks(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("a decision-link key must be at least " + MIN_KEY_BYTES + " bytes, not " + key.length);
        }
        byte[] copy = Arrays.copyOf(key, key.length);
        try {
            this.signer = new MACSigner(copy);
            this.verifier = new MACVerifier(copy);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the decision-link key cannot be used for HS256: " + e.getMessage(), e);
        }
    }

    /** A new link token; each call mints a distinct one (its own {@code jti}). */
    public String sign(String approvalId, String approver, Verdict verdict, Instant expiry) {
        LinkClaims claims = new LinkClaims(randomId(), approvalId, approver, verdict, expiry);
        JWTClaimsSet set = new JWTClaimsSet.Builder()
                .jwtID(claims.linkId())
                .subject(claims.approver())
                .claim("aid", claims.approvalId())
                .claim("dec", claims.action())
                .expirationTime(Date.from(claims.expiry()))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(TYPE).build(), set);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a decision link for approval " + approvalId, e);
        }
        return jwt.serialize();
    }

    /**
     * What {@code token} is at {@code now}. The signature is checked before anything in the token is
     * believed (MACVerifier compares in constant time); a link whose signature holds is expired once
     * {@code now} reaches its expiry.
     */
    public LinkCheck verify(String token, Instant now) {
        if (token == null || token.isBlank()) {
            return new LinkCheck.Malformed("the link carries no token");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token.strip());
        } catch (ParseException e) {
            return new LinkCheck.Malformed("the link's token is not a signed token");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !TYPE.equals(jwt.getHeader().getType())) {
            // Only we mint these, always HS256 of our type: anything else was made elsewhere or altered.
            return new LinkCheck.Tampered();
        }
        try {
            if (!jwt.verify(verifier)) {
                return new LinkCheck.Tampered();
            }
        } catch (JOSEException e) {
            return new LinkCheck.Tampered();
        }
        LinkClaims claims;
        try {
            claims = claims(jwt.getJWTClaimsSet());
        } catch (ParseException | RuntimeException e) {
            return new LinkCheck.Malformed("the link's token lacks what a decision link says");
        }
        return now.isBefore(claims.expiry()) ? new LinkCheck.Valid(claims) : new LinkCheck.Expired(claims);
    }

    private static LinkClaims claims(JWTClaimsSet set) throws ParseException {
        Verdict verdict = switch (String.valueOf(set.getStringClaim("dec"))) {
            case "approve" -> Verdict.APPROVE;
            case "deny" -> Verdict.DENY;
            default -> throw new IllegalArgumentException("dec must be approve or deny");
        };
        Date expiry = Objects.requireNonNull(set.getExpirationTime(), "exp");
        return new LinkClaims(set.getJWTID(), set.getStringClaim("aid"), set.getSubject(), verdict, expiry.toInstant());
    }

    private static String randomId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    @Override
    public String toString() {
        return "DecisionLinks[HS256]";
    }
}
