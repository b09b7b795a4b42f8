package devstack

import (
	"context"
	"fmt"
	"maps"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// syncSearchAttributes registers the search attributes of Config that the
// namespace does not have yet and waits until the frontend accepts them.
//
// A new namespace got them all from createNamespace, so this does nothing. It
// matters for a data directory created before a search attribute was added to
// relmongo: CreateNamespaces leaves an existing namespace alone.
func syncSearchAttributes(ctx context.Context, conn *grpc.ClientConn, namespace string, want map[string]enumspb.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	op := operatorservice.NewOperatorServiceClient(conn)
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("listing the search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		typ := want[name]
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("search attribute %s of namespace %q is registered as %s but %s is required: "+
				"the data directory was made by an incompatible version; move it away to start afresh",
				name, namespace, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("adding search attributes %v to namespace %q: %w", slices.Sorted(maps.Keys(missing)), namespace, err)
	}

	// The frontend resolves search attribute names through its namespace
	// cache, refreshed every couple of seconds (DEVSTACK.md pitfall 2). A
	// visibility query naming each attribute fails until then.
	wf := workflowservice.NewWorkflowServiceClient(conn)
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		err := poll(ctx, "search attribute "+name+" to become usable", func(ctx context.Context) error {
			_, err := wf.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
				Namespace: namespace,
				Query:     name + " IS NULL",
			})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
