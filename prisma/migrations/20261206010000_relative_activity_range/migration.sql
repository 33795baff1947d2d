-- Auto Send and On Demand may save an activity range relative to the day a send runs (issue 15).
ALTER TABLE "SendSettings" ADD COLUMN "activityRelative" TEXT;
