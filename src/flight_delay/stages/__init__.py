"""The DVC pipeline's stages, one module each (`python -m flight_delay.stages.<stage>` in
dvc.yaml): a `main()` that loads the validated config, reads inputs, calls functions
from core/ and datasets/, and writes outputs atomically. Nothing imports a stage.
"""
