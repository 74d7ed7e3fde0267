"""errorstream.streams"""
