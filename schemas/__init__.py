"""errorstream.schemas"""
