"""Run the Lagrangian prototype on a case folder or an OR-Library instance (e.g. capb_5000)."""
import sys, time, numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent)); sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import footprint
import lagrangian_prototype as lagr
from footprint.derive import derive
from footprint.model import build_blocks
from footprint.solve import solve_blocks
src = sys.argv[1]
if src.startswith('cap'):
    from footprint.io.orlib import orlib_tables
    n, c = src.split('_'); src = orlib_tables(Path(__file__).resolve().parents[3] / 'shared' / 'benchmarks' / 'orlib' / f'{n}.txt', float(c))
case = footprint.load_case(src, settings={"threads":1,"mip_gap":0})
data = derive(case); blocks = build_blocks(data)
def rs(mask, tl, start_open):
    fixed = lagr.restrict(blocks, data, np.flatnonzero(~start_open), np.flatnonzero(start_open))
    t=time.time(); first = solve_blocks(fixed, {**case.settings, "time_limit_s": tl}); print("  fixed", first.status, first.objective, round(time.time()-t,2), flush=True)
    return first
b = lagr.bound_and_fix(data, blocks, case.settings, rs, float(sys.argv[2]), debug=True)
print(b.lower_bound, b.upper_bound, (b.upper_bound-b.lower_bound)/b.upper_bound if b.upper_bound else None, len(b.fixed_closed), len(b.fixed_open), b.iterations, b.seconds)
