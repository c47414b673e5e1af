from ninja import NinjaAPI

api = NinjaAPI(title="MedReg API", version="1")
