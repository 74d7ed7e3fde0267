"""errorstream.agents"""
