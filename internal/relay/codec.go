package relay

import (
	"encoding/json"
	"fmt"

	"github.com/facturo/facturo/events"
)

func encode(e events.Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	return b, nil
}
