package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/relmongo/relmongo/internal/contract"
)

// pauseState is the pause flag with the stamp of the request that set it. A pause or resume
// signal carries its request's stamp; a signal older than the current one is ignored, so two
// requests delivered out of order (Temporal does not order signals sent by different commands)
// or seen in the same workflow task (the selector does not preserve their arrival order across
// channels) always end in the state of the newest request.
type pauseState struct {
	paused bool
	stamp  int64
}

// apply records a pause (pause=true) or resume request. A zero stamp (a signal sent by hand,
// e.g. with the temporal CLI) is treated as newer than everything seen so far.
func (p *pauseState) apply(pause bool, stamp int64) bool {
	if stamp != 0 && stamp < p.stamp {
		return false
	}
	changed := p.paused != pause
	p.paused = pause
	if stamp > p.stamp {
		p.stamp = stamp
	}
	return changed
}

// receiveStamp reads one pause/resume signal. A payload that does not decode as a stamp (a
// hand-sent signal without one) counts as stamp 0.
func receiveStamp(ctx workflow.Context, c workflow.ReceiveChannel) int64 {
	var stamp int64
	c.Receive(ctx, &stamp)
	return stamp
}

// addPauseSignals makes sel handle the pause and resume signals into p; onChange runs after a
// signal changed the state.
func addPauseSignals(ctx workflow.Context, sel workflow.Selector, p *pauseState, onChange func()) {
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalPause), func(c workflow.ReceiveChannel, _ bool) {
		if p.apply(true, receiveStamp(ctx, c)) && onChange != nil {
			onChange()
		}
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.SignalResume), func(c workflow.ReceiveChannel, _ bool) {
		if p.apply(false, receiveStamp(ctx, c)) && onChange != nil {
			onChange()
		}
	})
}

// drainPauseSignals applies the pause and resume signals already delivered but not yet read, so
// that none is lost when the run continues as new (ARCHITECTURE.md step 3).
func drainPauseSignals(ctx workflow.Context, p *pauseState) {
	for _, s := range []struct {
		name  string
		pause bool
	}{{contract.SignalPause, true}, {contract.SignalResume, false}} {
		c := workflow.GetSignalChannel(ctx, s.name)
		for {
			var stamp int64
			ok := c.ReceiveAsync(&stamp)
			if !ok {
				break
			}
			p.apply(s.pause, stamp)
		}
	}
}

// cancelled returns a channel that receives one value when ctx is cancelled, so a selector can
// wait for a stop next to futures and signals without depending on how it treats a closed channel.
func cancelled(ctx workflow.Context) workflow.ReceiveChannel {
	ch := workflow.NewBufferedChannel(ctx, 1)
	workflow.Go(ctx, func(gctx workflow.Context) {
		gctx.Done().Receive(gctx, nil)
		ch.SendAsync(true)
	})
	return ch
}
