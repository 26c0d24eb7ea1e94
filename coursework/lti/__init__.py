"""LTI 1.3 / LTI Advantage: Coursework as a tool inside an organisation's LMS.

Registered platforms, OIDC login initiation and launches (pylti1p3 does the protocol),
Deep Linking, grades back through Assignment and Grade Services, and rosters through Names
and Role Provisioning. Part of the tracking layer: it reads courses, quizzes and progress.
"""
