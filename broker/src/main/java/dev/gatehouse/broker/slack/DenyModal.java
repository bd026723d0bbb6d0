package dev.gatehouse.broker.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.slack.api.model.block.InputBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.SectionBlock;
import com.slack.api.model.block.composition.MarkdownTextObject;
import com.slack.api.model.block.composition.PlainTextObject;
import com.slack.api.model.block.element.PlainTextInputElement;
import com.slack.api.model.view.View;
import com.slack.api.model.view.ViewClose;
import com.slack.api.model.view.ViewSubmit;
import com.slack.api.model.view.ViewTitle;

import java.util.List;
import java.util.Objects;

/**
 * The modal a Deny click opens to ask for the reason. A modal's submission names no channel or message, so
 * the approval and the message it was opened from travel in its {@code private_metadata}, which only Slack
 * and this app see.
 */
final class DenyModal {

    static final String CALLBACK_ID = "gatehouse_deny";
    static final String REASON_BLOCK = "gatehouse_reason";
    static final String REASON_ACTION = "reason";
    /** The requester reads the reason in their error; a paragraph is plenty. */
    static final int REASON_MAX = 500;

    private DenyModal() {
    }

    /** What the submission needs to know: which approval, and where to answer the approver. */
    record Origin(String approvalId, String channel, String messageTs) {
        Origin {
            Objects.requireNonNull(approvalId, "approvalId");
            Objects.requireNonNull(channel, "channel");
            messageTs = messageTs == null ? "" : messageTs;
        }

        String encode(ObjectMapper json) {
            try {
                return json.writeValueAsString(json.createObjectNode()
                        .put("approval", approvalId).put("channel", channel).put("ts", messageTs));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("three strings are always JSON", e);
            }
        }

        /** @throws MalformedPayload when {@code metadata} is not what {@link #encode} wrote */
        static Origin decode(ObjectMapper json, String metadata) {
            JsonNode node;
            try {
                node = json.readTree(metadata == null ? "" : metadata);
            } catch (JsonProcessingException e) {
                throw new MalformedPayload("the deny form's private_metadata is not JSON");
            }
            if (node == null || !node.path("approval").isTextual() || !node.path("channel").isTextual()) {
                throw new MalformedPayload("the deny form's private_metadata names no approval and channel");
            }
            return new Origin(SlackPayload.approvalId(node.path("approval").asText()), node.path("channel").asText(),
                    node.path("ts").asText(""));
        }
    }

    static View view(Origin origin, ObjectMapper json) {
        List<LayoutBlock> blocks = List.of(
                SectionBlock.builder().text(MarkdownTextObject.builder().text("Why do you deny approval `"
                        + origin.approvalId() + "`? The requester is told your reason.").build()).build(),
                InputBlock.builder().blockId(REASON_BLOCK)
                        .label(PlainTextObject.builder().text("Reason").build())
                        .element(PlainTextInputElement.builder().actionId(REASON_ACTION).multiline(true)
                                .maxLength(REASON_MAX).build())
                        .build());
        return View.builder().type("modal").callbackId(CALLBACK_ID).privateMetadata(origin.encode(json))
                .title(ViewTitle.builder().type("plain_text").text("Deny the call").build())
                .submit(ViewSubmit.builder().type("plain_text").text("Deny").build())
                .close(ViewClose.builder().type("plain_text").text("Cancel").build())
                .blocks(blocks).build();
    }
}
