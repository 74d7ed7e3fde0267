"""errorstream.projections"""
