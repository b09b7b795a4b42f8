// Package apiclient is a small client of relmongo's REST API, used by the CLI, the demo and the
// end-to-end tests.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client talks to one relmongo API server.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// New returns a client for baseURL (e.g. http://127.0.0.1:8278).
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Error is an API error response.
type Error struct {
	Status      int    `json:"-"`
	Message     string `json:"message"`
	Description string `json:"description,omitempty"`
	Timestamp   string `json:"timestamp"`
	JobID       string `json:"jobId,omitempty"`
}

// Error renders status, message and description.
func (e *Error) Error() string {
	s := fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// UnreachableError is a request that got no HTTP answer: the server is down, the address is
// wrong or the connection broke.
type UnreachableError struct {
	BaseURL string
	Err     error
}

// Error says where the client tried and what went wrong.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("calling the relmongo API at %s: %v", e.BaseURL, e.Err)
}

// Unwrap returns the transport error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// Do sends a request with an optional JSON body (a []byte is sent as is) and decodes a 200
// response into out (when non-nil). Other statuses return *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return fmt.Errorf("encoding the request: %w", err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{BaseURL: c.BaseURL, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the API response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		return e
	}
	if out != nil {
		if raw, ok := out.(*json.RawMessage); ok {
			*raw = append((*raw)[:0], data...)
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding the API response: %w", err)
		}
	}
	return nil
}

// WaitJob polls a job until it is terminal or ctx ends, calling progress (if non-nil) on each poll.
func (c *Client) WaitJob(ctx context.Context, id string, every time.Duration, progress func(*Job)) (*Job, error) {
	for {
		var j Job
		if err := c.Do(ctx, http.MethodGet, "/api/v1/jobs/"+id, nil, &j); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(&j)
		}
		if j.Terminal() {
			return &j, nil
		}
		select {
		case <-ctx.Done():
			return &j, fmt.Errorf("waiting for job %s (status %s): %w", id, j.Status, ctx.Err())
		case <-time.After(every):
		}
	}
}
