"""python -m errorstream"""

from errorstream.cli import run

run()
