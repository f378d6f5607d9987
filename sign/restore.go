package sign

// Restore hands back a template that Take returned but that was never sent:
// the basket was abandoned before any byte reached the network (a budget or
// risk refusal, another leg's miss) or, in benchmarks, the same opportunity
// is replayed. The template goes back into a free slot of its (asset, price,
// shares) key if it is still valid there: its asset's table is the one it was
// signed for and not retired, its epoch is current, it is younger than
// MaxAge at nowNano and within the balance budget. Otherwise it is dropped.
// It reports whether the template was republished.
//
// A template that may have reached the venue must never be restored: its
// salt and signature would be sent twice. Hot side: lock-free, no allocation;
// a slot refilled by the cold side meanwhile is left alone (the template is
// then dropped).
func (p *Pool) Restore(tpl *Template, nowNano int64) bool {
	if tpl == nil || int(tpl.Asset) >= len(p.tables) {
		return false
	}
	t := p.tables[tpl.Asset].Load()
	if t == nil || t != tpl.table || t.retired.Load() || tpl.epoch != p.epoch.Load() ||
		nowNano-tpl.SignedAt > int64(p.cfg.MaxAge) {
		return false
	}
	if b := p.budget.Load(); b >= 0 && int64(tpl.Order.MakerAmount) > b {
		return false
	}
	pi, si := -1, -1
	for i, q := range t.prices {
		if q == tpl.Price {
			pi = i
			break
		}
	}
	for i, s := range p.cfg.Shares {
		if s == tpl.Shares {
			si = i
			break
		}
	}
	if pi < 0 || si < 0 {
		return false
	}
	base := (pi*len(p.cfg.Shares) + si) * p.cfg.PerKey
	for k := 0; k < p.cfg.PerKey; k++ {
		if t.slots[base+k].CompareAndSwap(nil, tpl) {
			return true
		}
	}
	return false
}
