package contract

import (
	"go.temporal.io/sdk/temporal"
)

// Custom search attributes (all Keyword) that relmongo sets on its workflows so jobs can be
// filtered in the Temporal Web UI and through visibility queries, e.g.
// RelmongoProjectId="<id>" AND RelmongoStatus="RUNNING". `relmongo dev` registers them; a
// production namespace needs them created once (README, Temporal Web UI). Their names are
// persisted in the namespace and in every workflow's visibility record: never rename them.
const (
	SearchAttrJobID       = "RelmongoJobId"
	SearchAttrProjectID   = "RelmongoProjectId"
	SearchAttrProjectName = "RelmongoProjectName"
	SearchAttrStatus      = "RelmongoStatus"
	SearchAttrScheduleID  = "RelmongoScheduleId"
)

// SearchAttributeNames lists every custom search attribute, in the order commands and warnings
// show them. They are all of type Keyword.
var SearchAttributeNames = []string{SearchAttrJobID, SearchAttrProjectID, SearchAttrProjectName, SearchAttrStatus, SearchAttrScheduleID}

// Typed keys of the custom search attributes, for start options and workflow upserts.
var (
	SAJobID       = temporal.NewSearchAttributeKeyKeyword(SearchAttrJobID)
	SAProjectID   = temporal.NewSearchAttributeKeyKeyword(SearchAttrProjectID)
	SAProjectName = temporal.NewSearchAttributeKeyKeyword(SearchAttrProjectName)
	SAStatus      = temporal.NewSearchAttributeKeyKeyword(SearchAttrStatus)
	SAScheduleID  = temporal.NewSearchAttributeKeyKeyword(SearchAttrScheduleID)
)

// JobSearchAttributes are the search attributes a MigrationWorkflow starts with: its job,
// project and (for a scheduled run) schedule, and status NOT_STARTED, which the workflow then
// upserts on every change. Empty values are left out (a job started by POST /jobs has no
// schedule).
func JobSearchAttributes(jobID, projectID, projectName, scheduleID string) temporal.SearchAttributes {
	updates := []temporal.SearchAttributeUpdate{
		SAJobID.ValueSet(jobID),
		SAProjectID.ValueSet(projectID),
		SAStatus.ValueSet(StatusNotStarted),
	}
	if projectName != "" {
		updates = append(updates, SAProjectName.ValueSet(projectName))
	}
	if scheduleID != "" {
		updates = append(updates, SAScheduleID.ValueSet(scheduleID))
	}
	return temporal.NewSearchAttributes(updates...)
}

// Memo keys of a job's workflow (shown by the Temporal Web UI). Values never hold a secret:
// source and target are the masked connection strings of the job record.
const (
	MemoProjectName = "projectName"
	MemoSource      = "source"
	MemoTarget      = "target"
)

// JobMemo is the memo of a job's workflow: the project's name and the masked source and target.
func JobMemo(projectName, maskedSource, maskedTarget string) map[string]any {
	return map[string]any{MemoProjectName: projectName, MemoSource: maskedSource, MemoTarget: maskedTarget}
}
