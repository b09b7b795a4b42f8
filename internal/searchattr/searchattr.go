// Package searchattr checks that a Temporal namespace has relmongo's custom search attributes
// (contract.SearchAttributeNames, all Keyword) and explains how to create the missing ones.
//
// `relmongo dev` registers them itself; a production namespace needs them created once by its
// operator. Until then relmongo runs without them: starting a workflow with an unregistered
// search attribute fails, so a server that found one missing sets none.
package searchattr

import (
	"context"
	"fmt"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"

	"github.com/relmongo/relmongo/internal/contract"
)

// Want are relmongo's search attributes and their type, for namespace registration.
func Want() map[string]enumspb.IndexedValueType {
	m := make(map[string]enumspb.IndexedValueType, len(contract.SearchAttributeNames))
	for _, n := range contract.SearchAttributeNames {
		m[n] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return m
}

// Problems compares what a namespace has with what relmongo needs: missing lists the attributes
// to create, wrongType the ones registered with another type than Keyword, both in the order of
// contract.SearchAttributeNames.
func Problems(have map[string]enumspb.IndexedValueType) (missing, wrongType []string) {
	for _, n := range contract.SearchAttributeNames {
		got, ok := have[n]
		switch {
		case !ok:
			missing = append(missing, n)
		case got != enumspb.INDEXED_VALUE_TYPE_KEYWORD:
			wrongType = append(wrongType, n)
		}
	}
	return missing, wrongType
}

// Commands are the Temporal CLI commands that give namespace the attributes relmongo needs:
// remove the ones of a wrong type, then create those and the missing ones as Keyword.
func Commands(namespace string, missing, wrongType []string) []string {
	var out []string
	for _, n := range wrongType {
		out = append(out, fmt.Sprintf("temporal operator search-attribute remove --namespace %s --name %s", namespace, n))
	}
	for _, n := range append(slices.Clone(wrongType), missing...) {
		out = append(out, fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type Keyword", namespace, n))
	}
	return out
}

// Warning is the one message a server logs when the namespace lacks relmongo's attributes: what
// is wrong, what it means, and the exact commands that fix it. "" when nothing is wrong.
func Warning(namespace string, missing, wrongType []string) string {
	if len(missing) == 0 && len(wrongType) == 0 {
		return ""
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "lacks relmongo's search attributes "+strings.Join(missing, ", "))
	}
	if len(wrongType) > 0 {
		parts = append(parts, "has "+strings.Join(wrongType, ", ")+" with a type other than Keyword")
	}
	return fmt.Sprintf("Temporal namespace %q %s. Jobs run normally, but the Temporal Web UI cannot filter them by "+
		"RelmongoProjectId, RelmongoStatus and the like until they exist. Fix it with: %s; then restart relmongo api",
		namespace, strings.Join(parts, " and "), strings.Join(Commands(namespace, missing, wrongType), " && "))
}

// Check asks the namespace for its search attributes. ok is true when relmongo's are all there;
// otherwise warning explains what to do. An error means the check itself failed (the caller
// should then run without the attributes).
func Check(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string) (ok bool, warning string, err error) {
	resp, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return false, "", fmt.Errorf("listing the search attributes of Temporal namespace %q: %w", namespace, err)
	}
	missing, wrong := Problems(resp.GetCustomAttributes())
	w := Warning(namespace, missing, wrong)
	return w == "", w, nil
}
