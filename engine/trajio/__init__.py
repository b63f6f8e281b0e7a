"""trajio"""
