package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to a TAXII 2.1 server, ours or another's. Its zero value
// with a BaseURL works; the other fields have defaults.
type Client struct {
	// BaseURL is the server's discovery URL or one API root's URL.
	BaseURL string
	// HTTP sends the requests; default http.DefaultClient.
	HTTP *http.Client
	// Username and Password, when Username is set, are sent with HTTP
	// Basic authentication; otherwise APIKey, when set, as
	// "Authorization: Bearer APIKey".
	Username string
	Password string
	APIKey   string
	// PollInterval is the wait between polls of a pending status; default
	// 1s. MaxPolls bounds them; default 30.
	PollInterval time.Duration
	MaxPolls     int
	// MaxResponseSize bounds a response body; default 64 MiB.
	MaxResponseSize int64
}

// ClientQuery filters the objects Client.Objects reads. Empty fields do
// not filter.
type ClientQuery struct {
	// AddedAfter asks for objects added after this time (exclusive).
	AddedAfter time.Time
	// Limit asks for pages of this many objects; the server may send fewer.
	Limit        int
	IDs          []string
	Types        []string
	Versions     []string // "first", "last", "all" or timestamps
	SpecVersions []string
}

func (q ClientQuery) values() url.Values {
	v := url.Values{}
	if !q.AddedAfter.IsZero() {
		v.Set("added_after", FormatTime(q.AddedAfter))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	for name, l := range map[string][]string{"match[id]": q.IDs, "match[type]": q.Types, "match[version]": q.Versions, "match[spec_version]": q.SpecVersions} {
		if len(l) > 0 {
			v.Set(name, strings.Join(l, ","))
		}
	}
	return v
}

// Discover returns the discovery resource at BaseURL.
func (c *Client) Discover(ctx context.Context) (Discovery, error) {
	var raw map[string]json.RawMessage
	if _, err := c.do(ctx, http.MethodGet, c.BaseURL, nil, &raw); err != nil {
		return Discovery{}, err
	}
	_, isRoot := raw["max_content_length"]
	_, titled := raw["title"]
	if isRoot || !titled {
		return Discovery{}, fmt.Errorf("taxii: %s is not a discovery resource", c.BaseURL)
	}
	var d Discovery
	data, _ := json.Marshal(raw)
	if err := json.Unmarshal(data, &d); err != nil {
		return Discovery{}, fmt.Errorf("taxii: %s: %w", c.BaseURL, err)
	}
	return d, nil
}

// APIRoot returns an API root's information. root is its URL, absolute or
// relative to BaseURL; "" is BaseURL when that is an API root, else the
// discovery resource's default (or first) API root.
func (c *Client) APIRoot(ctx context.Context, root string) (APIRoot, error) {
	u, err := c.rootURL(ctx, root)
	if err != nil {
		return APIRoot{}, err
	}
	var a APIRoot
	_, err = c.do(ctx, http.MethodGet, u, nil, &a)
	return a, err
}

// Collections returns the collections of an API root (see APIRoot for
// root).
func (c *Client) Collections(ctx context.Context, root string) ([]Collection, error) {
	u, err := c.rootURL(ctx, root)
	if err != nil {
		return nil, err
	}
	var cs collections
	_, err = c.do(ctx, http.MethodGet, u+"collections/", nil, &cs)
	return cs.Collections, err
}

// Collection returns one collection of an API root.
func (c *Client) Collection(ctx context.Context, root, id string) (Collection, error) {
	u, err := c.rootURL(ctx, root)
	if err != nil {
		return Collection{}, err
	}
	var coll Collection
	_, err = c.do(ctx, http.MethodGet, u+"collections/"+url.PathEscape(id)+"/", nil, &coll)
	return coll, err
}

// Status returns a status resource of an API root.
func (c *Client) Status(ctx context.Context, root, id string) (Status, error) {
	u, err := c.rootURL(ctx, root)
	if err != nil {
		return Status{}, err
	}
	var st Status
	_, err = c.do(ctx, http.MethodGet, u+"status/"+url.PathEscape(id)+"/", nil, &st)
	return st, err
}

// Objects reads a collection's objects page by page, calling fn with each
// page's objects, and returns the latest X-TAXII-Date-Added-Last seen: the
// AddedAfter of the next incremental read. It follows next while the
// server says more; a server that says more without next is asked again
// with added_after set to the page's X-TAXII-Date-Added-Last (such a
// server can lose objects that share that date_added; ours never does
// this). An error from fn stops the reading and is returned.
func (c *Client) Objects(ctx context.Context, root, collection string, q ClientQuery, fn func([]json.RawMessage) error) (lastAdded time.Time, err error) {
	base, err := c.rootURL(ctx, root)
	if err != nil {
		return time.Time{}, err
	}
	u := base + "collections/" + url.PathEscape(collection) + "/objects/"
	params := q.values()
	next := ""
	for {
		v := params
		if next != "" {
			v = cloneValues(params)
			v.Set("next", next)
		}
		var env Envelope
		hdr, err := c.do(ctx, http.MethodGet, u+"?"+v.Encode(), nil, &env)
		if err != nil {
			return lastAdded, err
		}
		if len(env.Objects) > 0 {
			if err := fn(env.Objects); err != nil {
				return lastAdded, err
			}
		}
		pageLast, _ := ParseTime(hdr.Get(HeaderDateAddedLast))
		if pageLast.After(lastAdded) {
			lastAdded = pageLast
		}
		switch {
		case !env.More:
			return lastAdded, nil
		case env.Next != "":
			if env.Next == next {
				return lastAdded, fmt.Errorf("taxii: %s: the server sent the same next twice", u)
			}
			next = env.Next
		default:
			prev, _ := ParseTime(params.Get("added_after"))
			if pageLast.IsZero() || !pageLast.After(prev) {
				return lastAdded, fmt.Errorf("taxii: %s: the server says more but gives neither next nor a later %s", u, HeaderDateAddedLast)
			}
			params = cloneValues(params)
			params.Set("added_after", FormatTime(pageLast))
			next = ""
		}
	}
}

// AddObjects posts objects to a collection in one envelope and returns the
// status, polling it while it is pending (see PollInterval and MaxPolls).
// Objects the server refused are in the status's failures, not an error.
func (c *Client) AddObjects(ctx context.Context, root, collection string, objs []json.RawMessage) (Status, error) {
	base, err := c.rootURL(ctx, root)
	if err != nil {
		return Status{}, err
	}
	body, err := json.Marshal(Envelope{Objects: objs})
	if err != nil {
		return Status{}, fmt.Errorf("taxii: encode envelope: %w", err)
	}
	var st Status
	if _, err := c.do(ctx, http.MethodPost, base+"collections/"+url.PathEscape(collection)+"/objects/", body, &st); err != nil {
		return Status{}, err
	}
	interval := c.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	polls := c.MaxPolls
	if polls <= 0 {
		polls = 30
	}
	for i := 0; st.Status == StatusPending && i < polls; i++ {
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, ctx.Err()
		case <-t.C:
		}
		if st, err = c.Status(ctx, base, st.ID); err != nil {
			return st, err
		}
	}
	if st.Status == StatusPending {
		return st, fmt.Errorf("taxii: status %s is still pending after %d polls", st.ID, polls)
	}
	return st, nil
}

// rootURL resolves an API root as APIRoot describes; the result ends in a
// slash.
func (c *Client) rootURL(ctx context.Context, root string) (string, error) {
	if root != "" {
		return c.resolve(root)
	}
	var head map[string]json.RawMessage
	if _, err := c.do(ctx, http.MethodGet, c.BaseURL, nil, &head); err != nil {
		return "", err
	}
	if _, ok := head["max_content_length"]; ok {
		return c.resolve(c.BaseURL)
	}
	var d Discovery
	if raw, ok := head["default"]; ok {
		json.Unmarshal(raw, &d.Default)
	}
	if raw, ok := head["api_roots"]; ok {
		json.Unmarshal(raw, &d.APIRoots)
	}
	switch {
	case d.Default != "":
		return c.resolve(d.Default)
	case len(d.APIRoots) > 0:
		return c.resolve(d.APIRoots[0])
	}
	return "", fmt.Errorf("taxii: %s names no API root", c.BaseURL)
}

// resolve makes ref absolute against BaseURL, ending in a slash.
func (c *Client) resolve(ref string) (string, error) {
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return "", fmt.Errorf("taxii: base URL: %w", err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("taxii: API root %q: %w", ref, err)
	}
	u := base.ResolveReference(r)
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// do sends a request and decodes a 2xx answer into out; any other answer
// is an *Error, wrapped with the method and URL.
func (c *Client) do(ctx context.Context, method, u string, body []byte, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("taxii: %s %s: %w", method, u, err)
	}
	req.Header.Set("Accept", MediaType)
	if body != nil {
		req.Header.Set("Content-Type", MediaType)
	}
	switch {
	case c.Username != "":
		req.SetBasicAuth(c.Username, c.Password)
	case c.APIKey != "":
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		te := &Error{}
		if json.Unmarshal(data, te) != nil || te.Title == "" && te.Description == "" {
			te = &Error{Title: http.StatusText(resp.StatusCode)}
		}
		te.HTTPStatus = resp.StatusCode
		return resp.Header, fmt.Errorf("taxii: %s %s: %w", method, u, te)
	}
	if out == nil {
		return resp.Header, nil
	}
	max := c.MaxResponseSize
	if max <= 0 {
		max = 64 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return resp.Header, fmt.Errorf("taxii: %s %s: %w", method, u, err)
	}
	if int64(len(data)) > max {
		return resp.Header, fmt.Errorf("taxii: %s %s: the response is larger than %d bytes", method, u, max)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, fmt.Errorf("taxii: %s %s: %w", method, u, errors.Join(errors.New("the response is not the expected TAXII JSON"), err))
	}
	return resp.Header, nil
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
