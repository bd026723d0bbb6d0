package dev.gatehouse.workflows.gated;

import io.temporal.common.SearchAttributeKey;

import java.util.List;

/**
 * The search attributes every gated-call workflow sets, so operators can filter them in Temporal
 * UI. A real cluster must have them registered (README: "Temporal search attributes"); the
 * embedded dev server gets them at start-up.
 */
public final class GatedCallSearchAttributes {

    public static final SearchAttributeKey<String> UPSTREAM = SearchAttributeKey.forKeyword("GatehouseUpstream");
    public static final SearchAttributeKey<String> TOOL = SearchAttributeKey.forKeyword("GatehouseTool");
    public static final SearchAttributeKey<String> REQUESTER = SearchAttributeKey.forKeyword("GatehouseRequester");
    public static final SearchAttributeKey<String> STATUS = SearchAttributeKey.forKeyword("GatehouseStatus");
    public static final SearchAttributeKey<List<String>> DECIDED_BY = SearchAttributeKey.forKeywordList("GatehouseDecidedBy");

    public static final List<SearchAttributeKey<?>> ALL = List.of(UPSTREAM, TOOL, REQUESTER, STATUS, DECIDED_BY);

    private GatedCallSearchAttributes() {
    }
}
