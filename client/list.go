package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// ListParams pages a list: Limit 1..100 (server default 10), and at most
// one of StartingAfter (older page) and EndingBefore (newer page). Filters
// holds the list's other query parameters (status, type, created[gte]...).
type ListParams struct {
	Limit         int
	StartingAfter string
	EndingBefore  string
	Filters       url.Values
}

func (p ListParams) query() string {
	q := url.Values{}
	for k, v := range p.Filters {
		q[k] = v
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	if p.EndingBefore != "" {
		q.Set("ending_before", p.EndingBefore)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Page is one page of a list, newest first.
type Page[T any] struct {
	Object  string `json:"object"`
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
	ids     []string
}

func (p *Page[T]) UnmarshalJSON(b []byte) error {
	var raw struct {
		Object  string            `json:"object"`
		Data    []json.RawMessage `json:"data"`
		HasMore bool              `json:"has_more"`
		URL     string            `json:"url"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.Object, p.HasMore, p.URL = raw.Object, raw.HasMore, raw.URL
	p.Data, p.ids = make([]T, len(raw.Data)), make([]string, len(raw.Data))
	for i, d := range raw.Data {
		if err := json.Unmarshal(d, &p.Data[i]); err != nil {
			return err
		}
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(d, &id) // elements without an id are not pageable
		p.ids[i] = id.ID
	}
	return nil
}

func list[T any](ctx context.Context, c *Client, path string, p ListParams) (*Page[T], error) {
	var page Page[T]
	if err := c.do(ctx, "GET", path+p.query(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// all iterates over every element of a list from p onwards, fetching pages
// as needed (towards older objects, or newer ones when p.EndingBefore is
// set). It stops at the first error, which it yields.
func all[T any](ctx context.Context, c *Client, path string, p ListParams) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			page, err := list[T](ctx, c, path, p)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, v := range page.Data {
				if !yield(v, nil) {
					return
				}
			}
			if !page.HasMore || len(page.Data) == 0 {
				return
			}
			if p.EndingBefore != "" {
				p.EndingBefore = page.ids[0]
			} else {
				p.StartingAfter = page.ids[len(page.ids)-1]
			}
			if p.StartingAfter == "" && p.EndingBefore == "" {
				var zero T
				yield(zero, fmt.Errorf("facturo: %s: list elements have no id to page on", path))
				return
			}
		}
	}
}
