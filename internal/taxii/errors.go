package taxii

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error is a TAXII error message (TAXII 2.1 section 3.6.1): what the
// server answers a request it refuses, and what the Client returns for
// such an answer (wrapped with the method and URL; use errors.As).
type Error struct {
	// HTTPStatus is the HTTP status code of the answer.
	HTTPStatus      int
	Title           string
	Description     string
	ErrorID         string
	ErrorCode       string
	ExternalDetails string
}

func (e *Error) Error() string {
	s := strconv.Itoa(e.HTTPStatus)
	if e.Title != "" {
		s += " " + e.Title
	} else {
		s += " " + http.StatusText(e.HTTPStatus)
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

type errorWire struct {
	Title           string          `json:"title"`
	Description     string          `json:"description,omitempty"`
	ErrorID         string          `json:"error_id,omitempty"`
	ErrorCode       string          `json:"error_code,omitempty"`
	HTTPStatus      json.RawMessage `json:"http_status,omitempty"`
	ExternalDetails string          `json:"external_details,omitempty"`
}

// MarshalJSON writes the error message; http_status is a string, as TAXII
// 2.1 defines it.
func (e *Error) MarshalJSON() ([]byte, error) {
	w := errorWire{Title: e.Title, Description: e.Description, ErrorID: e.ErrorID, ErrorCode: e.ErrorCode, ExternalDetails: e.ExternalDetails}
	if e.HTTPStatus != 0 {
		w.HTTPStatus, _ = json.Marshal(strconv.Itoa(e.HTTPStatus))
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads an error message; it takes http_status as a string
// or as a number, since servers write both.
func (e *Error) UnmarshalJSON(data []byte) error {
	var w errorWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*e = Error{Title: w.Title, Description: w.Description, ErrorID: w.ErrorID, ErrorCode: w.ErrorCode, ExternalDetails: w.ExternalDetails}
	if len(w.HTTPStatus) > 0 {
		var n int
		var s string
		switch {
		case json.Unmarshal(w.HTTPStatus, &n) == nil:
			e.HTTPStatus = n
		case json.Unmarshal(w.HTTPStatus, &s) == nil:
			e.HTTPStatus, _ = strconv.Atoi(s)
		}
	}
	return nil
}

// errorf returns a TAXII error with an HTTP status, its usual title and a
// description.
func errorf(status int, format string, args ...any) *Error {
	return &Error{HTTPStatus: status, Title: http.StatusText(status), Description: fmt.Sprintf(format, args...)}
}
