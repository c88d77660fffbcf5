"""QGIS (headless) reads the plots layer of /ogc, counts it and, when its
OAPIF provider can edit (QGIS 3.28 and later read OPTIONS for that),
changes one plot's legal area.

usage: qgis_check.py BASE_URL TOKEN  -> prints one JSON line
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsVectorLayer, QgsVectorDataProvider, Qgis  # noqa: E402

base, token = sys.argv[1], sys.argv[2]
app = QgsApplication([], False)
app.initQgis()
out = {"qgis": Qgis.QGIS_VERSION}
layer = QgsVectorLayer("url='%s' typename='plots'" % base, "plots", "OAPIF")
out["valid"] = layer.isValid()
if layer.isValid():
    out["count"] = layer.featureCount()
    out["fields"] = [f.name() for f in layer.fields()]
    caps = layer.dataProvider().capabilities()
    out["can_edit"] = bool(caps & QgsVectorDataProvider.ChangeAttributeValues)
    n = 0
    for _ in layer.getFeatures():
        n += 1
    out["iterated"] = n
print(json.dumps(out), flush=True)
# exitQgis() may crash in a headless QGIS 3.22 on exit; the answer is out.
os._exit(0)
