"""footprint: design the manufacturing footprint of a distributed production network.

The public API is small:

- :func:`load_case` reads and validates a case (CSV folder, ``.xlsx`` workbook,
  ``.toml`` scenario file, or a mapping of table name to DataFrame) and
  returns a :class:`Case`.
- :func:`solve_case` builds the mixed-integer model of SPEC section 3, solves
  it with HiGHS and returns a :class:`Result` with tidy result tables.
- :func:`footprint.batch.run_batch` solves many scenarios (local processes or
  a Dask cluster); :func:`footprint.sweep.run_sweep` sweeps one input column.
- :class:`InputError` is raised for invalid input; ``problems`` holds one
  line per problem naming the file or sheet, the row and the column.
"""

__version__ = "0.1.0"

from footprint.errors import InputError
from footprint.case import Case, load_case
from footprint.api import Result, solve_case

__all__ = ["Case", "InputError", "Result", "load_case", "solve_case", "__version__"]
