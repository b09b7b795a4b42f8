package apiclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// The typed calls below are the endpoints of API.md; each returns the API's *Error for a non-200
// answer and *UnreachableError when the server cannot be reached.

const (
	jobsPath     = "/api/v1/jobs"
	projectsPath = "/api/v1/project"
)

// JobListOptions are the query parameters of GET /jobs; zero values are left out.
type JobListOptions struct {
	// Sort is "<field>,ASC|DESC" (fields submittedAt and status).
	Sort string
	// Limit caps the number of jobs; 0 leaves it to the server.
	Limit int
	// InProgress keeps only NOT_STARTED, RUNNING, PAUSED, CANCELLING and CLEANING_UP jobs.
	InProgress bool
	ProjectID  string
}

func (o JobListOptions) query() string {
	q := url.Values{}
	if o.Sort != "" {
		q.Set("sort", o.Sort)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.InProgress {
		q.Set("type", "IN_PROGRESS")
	}
	if o.ProjectID != "" {
		q.Set("projectId", o.ProjectID)
	}
	return encode(q)
}

// LogOptions are the query parameters of GET /jobs/{id}/logs.
type LogOptions struct {
	// Limit is how many events to return (the server's default, 1000, when 0).
	Limit int
	// Offset skips this many of the newest events.
	Offset int
	// EventType keeps only ERROR, WARNING or INFO events.
	EventType string
}

func (o LogOptions) query() string {
	q := url.Values{}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset > 0 {
		q.Set("offset", strconv.Itoa(o.Offset))
	}
	if o.EventType != "" {
		q.Set("eventType", o.EventType)
	}
	return encode(q)
}

func encode(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// CreateJob posts a job create request (API.md, Create request) and returns its status.
func (c *Client) CreateJob(ctx context.Context, request any) (*Job, error) {
	var j Job
	if err := c.Do(ctx, http.MethodPost, jobsPath, request, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// GetJob returns a job's status object.
func (c *Client) GetJob(ctx context.Context, id string) (*Job, error) {
	var j Job
	if err := c.Do(ctx, http.MethodGet, jobsPath+"/"+url.PathEscape(id), nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// ListJobs returns jobs, newest first unless opts.Sort says otherwise.
func (c *Client) ListJobs(ctx context.Context, opts JobListOptions) ([]Job, error) {
	var js []Job
	if err := c.Do(ctx, http.MethodGet, jobsPath+opts.query(), nil, &js); err != nil {
		return nil, err
	}
	return js, nil
}

// ControlJob sends "pause", "resume" or "stop" and returns the job's status after it.
func (c *Client) ControlJob(ctx context.Context, id, action string) (*Job, error) {
	var j Job
	if err := c.Do(ctx, http.MethodPost, jobsPath+"/"+url.PathEscape(id)+"/"+action, nil, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// JobLogs returns a job's events, newest first.
func (c *Client) JobLogs(ctx context.Context, id string, opts LogOptions) ([]Event, error) {
	var evs []Event
	if err := c.Do(ctx, http.MethodGet, jobsPath+"/"+url.PathEscape(id)+"/logs"+opts.query(), nil, &evs); err != nil {
		return nil, err
	}
	return evs, nil
}

// JobTables returns a job's per-collection progress.
func (c *Client) JobTables(ctx context.Context, id string) (*JobTables, error) {
	var t JobTables
	if err := c.Do(ctx, http.MethodGet, jobsPath+"/"+url.PathEscape(id)+"/tables", nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// ListProjects returns every project's summary, most recently modified first.
func (c *Client) ListProjects(ctx context.Context) ([]ProjectSummary, error) {
	var ps []ProjectSummary
	if err := c.Do(ctx, http.MethodGet, projectsPath, nil, &ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// ImportProject stores a project document (MAPPING.md) as a new project.
func (c *Client) ImportProject(ctx context.Context, doc json.RawMessage) (*ProjectSummary, error) {
	var p ProjectSummary
	if err := c.Do(ctx, http.MethodPost, projectsPath+"/import", []byte(doc), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ExportProject returns a project document without secrets, ready to import elsewhere.
func (c *Client) ExportProject(ctx context.Context, id string) (json.RawMessage, error) {
	var doc json.RawMessage
	if err := c.Do(ctx, http.MethodGet, projectsPath+"/"+url.PathEscape(id)+"/export", nil, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// GetProject returns a project document.
func (c *Client) GetProject(ctx context.Context, id string) (json.RawMessage, error) {
	var doc json.RawMessage
	if err := c.Do(ctx, http.MethodGet, projectsPath+"/"+url.PathEscape(id), nil, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// CreatedProject is the answer of POST /project: the stored document and, for a RECOMMENDED
// mapping, why each choice was made.
type CreatedProject struct {
	Project json.RawMessage `json:"project"`
	Reasons []struct {
		Collection string `json:"collection"`
		Path       string `json:"path"`
		Table      string `json:"table"`
		Reason     string `json:"reason"`
	} `json:"reasons"`
}

// CreateProject builds a project from a live source (POST /project).
func (c *Client) CreateProject(ctx context.Context, request json.RawMessage) (*CreatedProject, json.RawMessage, error) {
	var raw json.RawMessage
	if err := c.Do(ctx, http.MethodPost, projectsPath, []byte(request), &raw); err != nil {
		return nil, nil, err
	}
	var cp CreatedProject
	if err := json.Unmarshal(raw, &cp); err != nil {
		return nil, nil, err
	}
	return &cp, raw, nil
}

// DeleteProject deletes a project and returns its summary.
func (c *Client) DeleteProject(ctx context.Context, id string) (*ProjectSummary, error) {
	var p ProjectSummary
	if err := c.Do(ctx, http.MethodDelete, projectsPath+"/"+url.PathEscape(id), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
